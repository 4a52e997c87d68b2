import CLMAudit
import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation
import Testing

/// Roles by use: system trust-store roots are their own class, reported apart at low severity.
@Suite(.timeLimit(.minutes(2)))
struct AuditRoleTests {
    @Test func anExpiringTrustStoreRootIsLowAndApartWhileAPrivateRootStaysInScope() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-roles")
        let store = temp.url.appendingPathComponent("system-store"), bundle = temp.url.appendingPathComponent("bundle")
        for directory in [store, bundle] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let factory = CertificateFactory(directory: temp.url)
        let publicRoot = try await factory.authority("public-root", commonName: "Public Root CA", days: 5)
        let privateRoot = try await factory.authority("private-root", commonName: "Private Root CA", days: 5)
        let intermediate = try await factory.authority("inter", commonName: "Some Intermediate", days: 300)
        try FileManager.default.copyItem(at: publicRoot.certificate, to: store.appendingPathComponent("Public_Root_CA.pem"))
        try FileManager.default.copyItem(at: privateRoot.certificate, to: bundle.appendingPathComponent("private.pem"))
        try FileManager.default.copyItem(at: intermediate.certificate, to: store.appendingPathComponent("inter.pem"))
        let inventory = try Inventory(path: temp.file("inventory.sqlite").path)
        inventory.trustStoreDirectories = [store.path]
        _ = try FileScanner(inventory: inventory).scan(roots: [store.path, bundle.path])

        let roles = try inventory.metrics.certificateRoles()
        let byName = Dictionary(uniqueKeysWithValues: try inventory.scans.listCertificates().map { ($0.facts.subjectCN ?? "", roles[$0.id]) })
        #expect(byName["Public Root CA"] == .trustStore)
        #expect(byName["Some Intermediate"] == .trustStore)
        #expect(byName["Private Root CA"] == .root)

        let report = try Auditor(policy: try PolicyLoader().loadDefault()).run(inventory: inventory, now: Date())
        let rows = Set(report.findings.map { "\($0.code) \($0.severity.rawValue) \($0.subject)" })
        #expect(rows.contains("CLM119 low Public Root CA"), "\(rows)")
        #expect(!rows.contains { $0.hasPrefix("CLM102") && $0.hasSuffix("Public Root CA") }, "trust-store roots are reported apart")
        #expect(rows.contains("CLM102 high Private Root CA"), "\(rows)")
        #expect(!rows.contains { $0.contains("Some Intermediate") })
    }

    @Test func aCACertificateAnEndpointSendsFirstIsALeafUnlessItIssuedSomething() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-roles-endpoint")
        let tree = temp.url.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        // Self-signed with CA:TRUE (plain `openssl req -x509`), its key kept elsewhere.
        try await TestSupport.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                       "-keyout", temp.file("k.pem").path, "-out", tree.appendingPathComponent("imap.pem").path,
                                       "-days", "2", "-subj", "/CN=imap.example.com"])
        let inventory = try Inventory(path: temp.file("inventory.sqlite").path)
        _ = try FileScanner(inventory: inventory).scan(roots: [tree.path])
        let certificate = try #require(try inventory.scans.listCertificates().first)
        #expect(try inventory.metrics.certificateRoles()[certificate.id] == .root, "unused, it looks like a root")
        try inventory.scans.recordEndpoint(
            EndpointRecord(host: "imap.example.com", port: 993, sni: "imap.example.com", protocolVersion: "TLSv1.3",
                           chainFingerprints: [certificate.facts.fingerprintSHA256]),
            newCertificates: [], scanID: nil, now: Date())
        #expect(try inventory.metrics.certificateRoles()[certificate.id] == .leaf, "served first by an endpoint")
        let report = try Auditor(policy: try PolicyLoader().loadDefault()).run(inventory: inventory, now: Date())
        #expect(report.findings.contains { $0.code == "CLM102" && $0.subject == "imap.example.com" })
        #expect(report.findings.contains { $0.code == "CLM109" && $0.subject == "imap.example.com" })
    }
}
