import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation
import Testing

/// Files that look like certificate material and are not certificates:
/// each gets one short line that says what it is (issue 15, item 6).
@Suite("Odd files: CRLs, CSRs, PKCS#12 passwords, damaged keys", .timeLimit(.minutes(2)))
struct OddFileTests {
    @Test("CRLs and CSRs in PEM and DER are recognised and set aside with one information line, not a warning")
    func crlsAndCSRs() async throws {
        let fixture = try ScanFixture()
        let crl = try PeerCorpus.directory("haproxy/testdir/certs").appendingPathComponent("crl-auth.pem")
        try fixture.place(crl, as: "crl.pem")
        let crlDER = fixture.workshop.appendingPathComponent("crl.der")
        try await TestSupport.openssl(["crl", "-in", crl.path, "-outform", "DER", "-out", crlDER.path])
        try fixture.place(crlDER, as: "crl.der")
        try fixture.place(crlDER, as: "revoked.crl")
        _ = try await fixture.makeLeaf()
        let csr = fixture.workshop.appendingPathComponent("www.csr")
        try fixture.place(csr, as: "request.csr")
        let csrDER = fixture.workshop.appendingPathComponent("www.csr.der")
        try await TestSupport.openssl(["req", "-in", csr.path, "-outform", "DER", "-out", csrDER.path])
        try fixture.place(csrDER, as: "request.der")

        let summary = try fixture.scan()
        #expect(summary.warnings.isEmpty, "\(summary.warnings)")
        #expect(summary.certificatesSeen == 0)
        let notes = Dictionary(uniqueKeysWithValues: summary.notes.map { (($0.ref as NSString).lastPathComponent, $0.reason) })
        #expect(notes == [
            "crl.pem": "certificate revocation list (PEM): not a certificate or key; not inventoried",
            "crl.der": "certificate revocation list (DER): not a certificate or key; not inventoried",
            "revoked.crl": "certificate revocation list (DER): not a certificate or key; not inventoried",
            "request.csr": "certificate signing request (PEM): not a certificate or key; not inventoried",
            "request.der": "certificate signing request (DER): not a certificate or key; not inventoried",
        ])
    }

    @Test("A PKCS#12 that none of the given passwords opens says so, with how many were tried")
    func pkcs12WrongPasswords() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(try await fixture.factory.pkcs12(leaf, password: "right", to: "site.p12"), as: "site.p12")
        var options = FileScanner.Options()
        options.pkcs12Passwords = ["wrong", "also wrong"]
        let summary = try fixture.scan(options: options)
        #expect(fixture.warning(for: "site.p12", in: summary)
                == "PKCS#12 is password protected and none of the 2 passwords in --pkcs12-password-file opened it")

        let without = try ScanFixture()
        try without.place(try await without.factory.pkcs12(leaf, password: "right", to: "site.p12"), as: "site.p12")
        #expect(without.warning(for: "site.p12", in: try without.scan())?.contains("pass --pkcs12-password-file") == true)
    }

    @Test("A damaged PRIVATE KEY block is one short line; OpenSSL's error queue only with detailed warnings (-v)")
    func junkPrivateKey() throws {
        let fixture = try ScanFixture()
        let junk = Data((0..<96).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }).base64EncodedString(options: .lineLength64Characters)
        try fixture.write("junk.key", Array("-----BEGIN PRIVATE KEY-----\n\(junk)\n-----END PRIVATE KEY-----\n".utf8))
        let short = try #require(fixture.warning(for: "junk.key", in: try fixture.scan()))
        #expect(short == "PEM block 1 (PRIVATE KEY): not a readable pkcs8 private key (damaged or not a key)")

        let verbose = try ScanFixture()
        try verbose.write("junk.key", Array("-----BEGIN PRIVATE KEY-----\n\(junk)\n-----END PRIVATE KEY-----\n".utf8))
        var options = FileScanner.Options()
        options.detailedWarnings = true
        let long = try #require(verbose.warning(for: "junk.key", in: try verbose.scan(options: options)))
        #expect(long.hasPrefix(short + ": "))
        #expect(long.contains("d2i_AutoPrivateKey"))
    }

    @Test("x509-certificate-exporter's fixtures: links followed once, dangling links and a corrupted PEM are one warning each")
    func exporterFixtures() throws {
        let fixture = try ScanFixture()
        try FileManager.default.removeItem(at: fixture.tree)
        try PeerCorpus.copy(try PeerCorpus.directory("x509exp/test"), to: fixture.tree)
        // Git symlinks, stored as their target's path in the corpus (two of them dangle on purpose).
        for (name, target) in [("link.pem", "./foo/basic.pem"), ("badlink.pem", "/toto/basic.pem"),
                               ("badlink-relative.pem", "./does-not-exists/basic.pem")] {
            let link = fixture.tree.appendingPathComponent(name)
            try FileManager.default.removeItem(at: link)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
        }
        let summary = try fixture.scan()
        #expect(summary.certificatesNew == 2)
        #expect(summary.certificatesSeen == 6)  // basic, foo/basic, double x2, bad/duplicate x2
        #expect(summary.keysSeen == 1)
        #expect(summary.notes.isEmpty)
        let warnings = Dictionary(uniqueKeysWithValues: summary.warnings.map { (($0.ref as NSString).lastPathComponent, $0.reason) })
        #expect(Set(warnings.keys) == ["badlink.pem", "badlink-relative.pem", "corrupted.pem"])
        #expect(warnings["badlink.pem"] == "broken symlink (target does not exist)")
        #expect(warnings.values.allSatisfy { !$0.contains("\n") && $0.count < 160 })
    }
}
