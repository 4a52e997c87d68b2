import Foundation
import Testing
import CLMCrypto
import CLMInventory
import CLMTestSupport
@testable import CLMRequest

@Suite("Request stage records in the SQLite inventory")
struct InventoryRecorderTests {
    @Test("accounts, orders and issued certificates round-trip; only open orders are offered for resume")
    func roundTrip() async throws {
        let directory = try TemporaryDirectory(prefix: "clm-inv")
        let recorder = try await InventoryACMERecorder(path: directory.path + "/inventory.sqlite", now: { Date(timeIntervalSince1970: 1_000) })
        try await recorder.recordAccount(AccountRecord(directoryURL: "https://ca.test/dir", accountURL: "https://ca.test/acct/1",
                                                       keyPath: "/s/account.key", keyThumbprint: "t", contact: ["mailto:a@b.test"], status: "valid"))
        let identifiers: [ACME.Identifier] = [.dns("a.example.test"), .ip("192.0.2.1")]
        var order = OrderRecord(certificateName: "www", directoryURL: "https://ca.test/dir", orderURL: "https://ca.test/order/1",
                                identifiers: identifiers, state: .pending, keyPath: "/s/pending.key", updatedAt: Date(timeIntervalSince1970: 10))
        try await recorder.recordOrder(order)
        let open = try await recorder.openOrder(certificateName: "www", directoryURL: "https://ca.test/dir")
        #expect(open == order)
        order.state = .abandoned
        order.note = "names changed"
        try await recorder.recordOrder(order)
        #expect(try await recorder.openOrder(certificateName: "www", directoryURL: "https://ca.test/dir") == nil)
        try await recorder.recordIssued(IssuedRecord(certificateName: "www", directoryURL: "https://ca.test/dir", orderURL: order.orderURL,
                                                     certificateURL: "https://ca.test/cert/1", identifiers: identifiers, sha256Hex: "ab",
                                                     spkiSHA256Hex: "cd", serialHex: "01", issuerCommonName: "CA", notBefore: Date(timeIntervalSince1970: 0),
                                                     notAfter: Date(timeIntervalSince1970: 100), ariCertID: "x.y", certificatePath: nil, keyPath: nil,
                                                     chainPEM: "PEM"))
        #expect(try await recorder.latestCertID(certificateName: "www") == "x.y")
        let mode = (try FileManager.default.attributesOfItem(atPath: directory.path + "/inventory.sqlite")[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
    }

    @Test("issuance on pebble records the account, a completed order and the certificate")
    func issuanceRecords() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let recorder = try await InventoryACMERecorder(path: fixture.state.root + "/inventory.sqlite")
        let issuer = Issuer(client: fixture.client, account: fixture.account, solver: fixture.standalone, recorder: recorder, state: fixture.state)
        let issued = try await issuer.obtain(CertificateRequest(name: "inv", identifiers: [.dns("inv.example.test")]))
        #expect(try await recorder.latestCertID(certificateName: "inv") == RenewalInfoID.certID(for: issued.certificate))
        #expect(try await recorder.openOrder(certificateName: "inv", directoryURL: fixture.client.directoryURL) == nil)
    }
}
