import Foundation
import Testing
import CLMCrypto
import CLMHTTP
import CLMTestSupport
@testable import CLMRequest


/// ARI (RFC 9773) against a STAND-IN server: Debian's pebble 2.4 has no
/// renewalInfo, so this tiny test-only HTTP server serves a directory with a
/// `renewalInfo` URL and answers for exactly one certID. Every other ACME
/// step is tested on pebble itself.
@Suite("ACME Renewal Information (against a stand-in server, pebble 2.4 has no ARI)")
struct RenewalInfoTests {
    /// A certificate with a known AKI and serial, made with the openssl CLI.
    static func makeCertificate(in directory: String) throws -> IssuedCertificate {
        let openssl = try TestSupport.requireTool("openssl", package: "openssl")
        try TestSupport.runChecked(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                                      "-subj", "/CN=ari ca", "-keyout", "\(directory)/ca.key", "-out", "\(directory)/ca.pem"])
        try TestSupport.runChecked(openssl, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=ari.example.test",
                                      "-keyout", "\(directory)/leaf.key", "-out", "\(directory)/leaf.csr"])
        try "authorityKeyIdentifier=keyid\n".write(toFile: "\(directory)/ext", atomically: true, encoding: .utf8)
        try TestSupport.runChecked(openssl, ["x509", "-req", "-in", "\(directory)/leaf.csr", "-CA", "\(directory)/ca.pem", "-CAkey", "\(directory)/ca.key",
                                      "-set_serial", "0x87654321", "-days", "2", "-extfile", "\(directory)/ext", "-out", "\(directory)/leaf.pem"])
        let pem = try String(contentsOfFile: "\(directory)/leaf.pem", encoding: .utf8)
        let der = try #require(IssuedCertificate.derBlocks(fromPEM: pem).first)
        return try IssuedCertificate(der: der)
    }

    @Test("certID is base64url(AKI keyIdentifier) '.' base64url(serial content octets), leading zero kept")
    func certID() throws {
        let directory = try TestSupport.temporaryDirectory("clm-ari")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificate = try Self.makeCertificate(in: directory)
        let aki = try #require(certificate.authorityKeyIdentifier)
        #expect(certificate.serialDER == [0x00, 0x87, 0x65, 0x43, 0x21])
        #expect(RenewalInfoID.certID(for: certificate) == Base64URL.encode(aki) + ".AIdlQyE")
    }

    @Test("the renewal time is a seeded-random point inside the window; a past window means now")
    func renewalTime() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        let window = start...start.addingTimeInterval(86_400)
        var generator = SeededGenerator(seed: 42)
        let now = Date(timeIntervalSince1970: 0)
        let a = RenewalInfoID.renewalTime(in: window, now: now, using: &generator)
        let b = RenewalInfoID.renewalTime(in: window, now: now, using: &generator)
        #expect(window.contains(a) && window.contains(b) && a != b)
        var same = SeededGenerator(seed: 42)
        #expect(RenewalInfoID.renewalTime(in: window, now: now, using: &same) == a)
        let late = Date(timeIntervalSince1970: 2_000_000)
        #expect(RenewalInfoID.renewalTime(in: window, now: late, using: &generator) == late)
    }

    @Test("the client fetches the window from the stand-in, honours Retry-After and picks a time in it")
    func fetchFromStandIn() async throws {
        let directory = try TestSupport.temporaryDirectory("clm-ari")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificate = try Self.makeCertificate(in: directory)
        let certID = try #require(RenewalInfoID.certID(for: certificate))
        let port = try TestSupport.freePort()
        let base = "http://127.0.0.1:\(port)"
        let hits = LogCollector()
        let server = try ChallengeHTTPServer(address: "127.0.0.1", port: port) { path in
            hits.append(path)
            switch path {
            case "/dir":
                let body = #"{"newNonce":"\#(base)/nonce","newAccount":"\#(base)/acct","newOrder":"\#(base)/order","revokeCert":"\#(base)/revoke","keyChange":"\#(base)/kc","renewalInfo":"\#(base)/renewal-info"}"#
                return .init(headers: [("Content-Type", "application/json")], body: Array(body.utf8))
            case "/renewal-info/\(certID)":
                let body = #"{"suggestedWindow":{"start":"2030-01-01T00:00:00Z","end":"2030-01-03T00:00:00.5Z"},"explanationURL":"https://ca.test/why"}"#
                return .init(headers: [("Content-Type", "application/json"), ("Retry-After", "21600")], body: Array(body.utf8))
            default:
                return nil
            }
        }
        defer { server.stop() }
        let client = try await ACMEClient.connect(directoryURL: base + "/dir", http: try HTTPClient())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var generator = SeededGenerator(seed: 7)
        let schedule = try await client.renewalSchedule(for: certificate, now: now, using: &generator)
        #expect(schedule.certID == certID)
        #expect(schedule.info.explanationURL == "https://ca.test/why")
        #expect(schedule.nextCheck == now.addingTimeInterval(21_600))
        let window = try #require(schedule.info.window)
        #expect(window.contains(schedule.renewAt))
        #expect(hits.all.contains("/renewal-info/\(certID)"))
    }

    @Test("a directory without renewalInfo (pebble 2.4) says ARI is not offered")
    func pebbleHasNoARI() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let issued = try await fixture.issuer(fixture.standalone).obtain(CertificateRequest(name: "ari", identifiers: [.dns("ari.example.test")]))
        var generator = SeededGenerator(seed: 1)
        await #expect(throws: ACMEError.self) {
            _ = try await fixture.client.renewalSchedule(for: issued.certificate, now: Date(timeIntervalSince1970: 0), using: &generator)
        }
        // `replaces` is sent in newOrder; pebble 2.4 ignores the field, so the order still succeeds.
        let certID = try #require(RenewalInfoID.certID(for: issued.certificate))
        let next = try await fixture.issuer(fixture.standalone)
            .obtain(CertificateRequest(name: "ari", identifiers: [.dns("ari.example.test")], replaces: certID))
        #expect(next.certificate.sha256Hex != issued.certificate.sha256Hex)
    }
}
