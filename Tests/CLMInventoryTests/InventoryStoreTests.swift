@testable import CLMInventory
import CLMSQLite
import CLMTestSupport
import Foundation
import Testing

/// The stores' own behaviour: typed fields in and out, and what each
/// write leaves alone.
@Suite struct InventoryStoreTests {
    let temp: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        temp = try TemporaryDirectory(prefix: "clm-stores")
        inventory = try Inventory(path: temp.url.appendingPathComponent("inventory.sqlite").path)
    }

    func managed(_ name: String, domains: [String], fingerprint: String = "f1", deployed: String? = nil) -> ManagedCertificateRow {
        ManagedCertificateRow(name: name, domains: domains, keyType: "ec256", issuanceHash: "h", fingerprintSHA256: fingerprint, notBefore: 0,
                              notAfter: 100, ariCertID: nil, deployHash: deployed == nil ? nil : "d", deployedFingerprint: deployed, updatedAt: 1)
    }

    @Test func managedDomainsComeBackInOrderAndADeployLeavesThemAlone() throws {
        let deploys = inventory.deploys
        try deploys.recordManagedCertificate(managed("www", domains: ["www.example.test", "example.test", "192.0.2.1"]))
        try deploys.recordManagedDeploy(managed("www", domains: ["ignored.example.test"], deployed: "f1"))
        var row = try #require(try deploys.managedCertificates()["www"])
        #expect(row.domains == ["www.example.test", "example.test", "192.0.2.1"])
        #expect(row.deployedFingerprint == "f1")
        // A renewal with fewer names replaces the list.
        try deploys.recordManagedCertificate(managed("www", domains: ["www.example.test"], fingerprint: "f2"))
        row = try #require(try deploys.managedCertificates()["www"])
        #expect(row.domains == ["www.example.test"])
        #expect(row.fingerprintSHA256 == "f2")
        #expect(row.deployedFingerprint == "f1")
    }

    @Test func aDeployOfAnUnrecordedNameAddsItsRowWithItsNames() throws {
        let deploys = inventory.deploys
        try deploys.recordManagedDeploy(managed("adopted", domains: ["a.example.test"], deployed: "f1"))
        let row = try #require(try deploys.managedCertificates()["adopted"])
        #expect(row.domains == ["a.example.test"])
        #expect(row.deployedFingerprint == "f1")
    }

    @Test func hookArgvIsStoredAsAList() throws {
        try inventory.deploys.recordHookRun(HookRunRow(certificateName: "www", phase: "reload", argv: ["nginx", "-s", "reload"], status: 0,
                                                       timedOut: false, seconds: 0.1, output: "", ranAt: 1))
        var stored: [String] = []
        try inventory.database.prepare("SELECT argv FROM hook_run").query { stored.append($0.string(0)) }
        #expect(stored == [#"["nginx","-s","reload"]"#])
    }

    @Test func activityCountsRenewalsDeploysAndTheLatestAudit() throws {
        #expect(try inventory.metrics.activity() == InventoryActivity())
        let t = Date(timeIntervalSince1970: 1_000)
        try inventory.deploys.recordRenewalRun(name: "www", action: "renew", failed: false, message: nil, at: t)
        try inventory.deploys.recordRenewalRun(name: "www", action: "renew", failed: true, message: "x", at: t.addingTimeInterval(10))
        try inventory.deploys.recordDeployRun(DeployRunRow(certificateName: "www", target: "nginx /t", action: "deploy", outcome: "ok",
                                                           previousFingerprint: nil, newFingerprint: "f", version: nil, message: nil,
                                                           startedAt: 1, finishedAt: 2))
        try inventory.audit.recordRun(policy: "default", counts: ["high": 2], at: t.addingTimeInterval(20))
        try inventory.audit.recordRun(policy: "default", counts: ["critical": 1, "low": 3], at: t.addingTimeInterval(30))
        let activity = try inventory.metrics.activity()
        #expect(activity.renewalsByResult == ["success": 1, "failed": 1])
        #expect(activity.deploysByOutcome == ["ok": 1])
        #expect(activity.lastSuccessfulRenewal == 1_000)
        #expect(activity.lastAuditFindings == ["critical": 1, "high": 0, "medium": 0, "low": 3, "info": 0])
        #expect(activity.lastAudit == 1_030)
    }

    @Test func issuanceRecordsRoundTripWithTypedIdentifiers() throws {
        let issuance = inventory.issuance
        let identifiers: [ACMEIdentifier] = [.dns("a.example.test"), .ip("2001:db8::1")]
        let order = OrderRecord(certificateName: "www", directoryURL: "https://ca.test/dir", orderURL: "https://ca.test/o/1",
                                identifiers: identifiers, state: .ready, keyPath: "/k", updatedAt: Date(timeIntervalSince1970: 5))
        try issuance.recordOrder(order)
        #expect(try issuance.openOrder(certificateName: "www", directoryURL: "https://ca.test/dir") == order)
        let issued = IssuedRecord(certificateName: "www", directoryURL: "https://ca.test/dir", orderURL: order.orderURL,
                                  certificateURL: "https://ca.test/c/1", identifiers: identifiers, sha256Hex: "ab", spkiSHA256Hex: "cd",
                                  serialHex: "01", issuerCommonName: nil, notBefore: Date(timeIntervalSince1970: 0),
                                  notAfter: Date(timeIntervalSince1970: 90), ariCertID: "a.b", certificatePath: "/c", keyPath: "/k", chainPEM: "PEM")
        try issuance.recordIssued(issued, issuedAt: Date(timeIntervalSince1970: 6))
        #expect(try issuance.latestIssued(certificateName: "www") == issued)
        #expect(try issuance.latestIssued(certificateName: "other") == nil)
    }
}
