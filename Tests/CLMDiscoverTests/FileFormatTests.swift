import CLMCrypto
import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2)))
struct FileFormatTests {
    @Test func singlePEMCertificateIsRecordedWithItsFields() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(leaf.certificate, as: "site/cert.pem")
        let summary = try fixture.scan()
        #expect(summary.certificatesNew == 1)
        #expect(summary.warnings.isEmpty)
        let certificate = try #require(try fixture.certificates().first)
        #expect(certificate.facts.fingerprintSHA256 == (try await fixture.factory.fingerprint(of: leaf.certificate)))
        #expect(certificate.facts.subjectCN == "www.example.test")
        #expect(certificate.facts.subjectAlternativeNames == [SubjectAlternativeName(kind: .dns, value: "www.example.test")])
        #expect(certificate.facts.keyAlgorithm == "EC")
        #expect(certificate.facts.keyCurve == "P-256")
        #expect(certificate.facts.signatureAlgorithm == "ecdsa-with-SHA256")
        #expect(!certificate.facts.isCA)
        #expect(certificate.facts.issuerCN == "www-ca")
        #expect(PEMEncoding.certificate(certificate.facts.der) == (try String(contentsOf: leaf.certificate, encoding: .utf8)))
        #expect(certificate.locations.map(\.ref) == [fixture.tree.appendingPathComponent("site/cert.pem").path])
    }

    @Test func bundleWithCRLFAndSurroundingTextYieldsEveryCertificateInOrder() async throws {
        let fixture = try ScanFixture()
        let root = try await fixture.factory.authority("root")
        let intermediate = try await fixture.factory.authority("intermediate", issuer: root)
        let leaf = try await fixture.factory.leaf("leaf", names: ["a.example.test"], issuer: intermediate)
        let bundle = try fixture.factory.bundle([leaf.certificate, intermediate.certificate, root.certificate], to: "chain.pem",
                                                prefix: "subject=whatever\nissuer=something\n", suffix: "\ntrailing notes\n", crlf: true)
        let placed = try fixture.place(bundle, as: "fullchain.pem")
        let summary = try fixture.scan()
        #expect(summary.certificatesNew == 3)
        #expect(summary.warnings.isEmpty)
        let expected = [try await fixture.factory.fingerprint(of: leaf.certificate),
                        try await fixture.factory.fingerprint(of: intermediate.certificate),
                        try await fixture.factory.fingerprint(of: root.certificate)]
        for (position, fingerprint) in expected.enumerated() {
            let certificate = try fixture.inventory.scans.certificate(matching: fingerprint)
            #expect(certificate.locations.first { $0.ref == placed.path }?.position == position)
        }
        let intermediateRecord = try fixture.inventory.scans.certificate(matching: expected[1])
        #expect(intermediateRecord.facts.isCA)
        #expect(try fixture.inventory.scans.certificate(matching: expected[2]).facts.isSelfSigned)
    }

    @Test func derCertificatesAreFoundWhateverTheirName() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let der = try await fixture.factory.der(of: leaf.certificate, to: "cert.der")
        try fixture.place(der, as: "a.crt")
        try fixture.place(der, as: "misleading-name.txt")
        let summary = try fixture.scan()
        #expect(summary.certificatesNew == 1)
        #expect(summary.certificatesSeen == 2)
        let certificate = try #require(try fixture.certificates().first)
        #expect(certificate.locations.count == 2)
    }

    @Test(arguments: [false, true])
    func pkcs7BundlesArereadInPEMAndDER(der: Bool) async throws {
        let fixture = try ScanFixture()
        let (ca, leaf) = try await fixture.makeLeaf()
        let bundle = try await fixture.factory.pkcs7([leaf.certificate, ca.certificate], to: "bundle", der: der)
        try fixture.place(bundle, as: der ? "bundle.p7c" : "bundle.p7b")
        let summary = try fixture.scan()
        #expect(summary.warnings.isEmpty)
        #expect(summary.certificatesNew == 2)
    }

    @Test func pkcs12WithoutOrWithEmptyPasswordIsOpenedAndItsKeyPaired() async throws {
        let fixture = try ScanFixture()
        let (ca, leaf) = try await fixture.makeLeaf()
        try fixture.place(try await fixture.factory.pkcs12(leaf, chain: [ca.certificate], password: "", to: "empty.p12"), as: "empty.p12")
        let summary = try fixture.scan()
        #expect(summary.warnings.isEmpty)
        #expect(summary.certificatesNew == 2)
        let fingerprint = try await fixture.factory.fingerprint(of: leaf.certificate)
        let certificate = try fixture.inventory.scans.certificate(matching: fingerprint)
        #expect(certificate.privateKeys.map(\.format) == ["pkcs12"])
    }

    @Test func passwordProtectedPKCS12IsReportedThenOpenedWithAPasswordFile() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(try await fixture.factory.pkcs12(leaf, password: "hunter2", to: "locked.pfx"), as: "locked.pfx")
        let first = try fixture.scan()
        #expect(first.certificatesNew == 0)
        #expect(fixture.warning(for: "locked.pfx", in: first)?.contains("password needed") == true)
        var options = FileScanner.Options()
        options.pkcs12Passwords = ["wrong", "hunter2"]
        // The file is unchanged on disk, so touch it to make the scanner read it again.
        let placed = fixture.tree.appendingPathComponent("locked.pfx")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: placed.path)
        let second = try fixture.scan(options: options)
        #expect(second.certificatesNew == 1)
        #expect(fixture.warning(for: "locked.pfx", in: second) == nil)
    }

    @Test(arguments: [("rsa:2048", "pkcs1", false), ("rsa:2048", "pkcs8", false), ("ec", "sec1", false), ("ec", "pkcs8", false),
                      ("ec", "pkcs8-encrypted", true), ("rsa:2048", "pem-encrypted", true)])
    func privateKeysAreRecordedAndPairedByPublicKey(keySpec: String, format: String, encrypted: Bool) async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf(keySpec: keySpec)
        try fixture.place(leaf.certificate, as: "cert.pem")
        let key = try await fixture.factory.convertKey(leaf.key, to: format, name: "converted.key")
        let placed = try fixture.place(key, as: "private/site.key")
        chmod(placed.path, 0o640)
        let summary = try fixture.scan()
        #expect(summary.warnings.isEmpty)
        #expect(summary.keysSeen == 1)
        let certificate = try fixture.inventory.scans.certificate(matching: try await fixture.factory.fingerprint(of: leaf.certificate))
        if encrypted {
            #expect(certificate.privateKeys.isEmpty)  // cannot pair without the passphrase
            var seen: [(String, Bool, UInt32)] = []
            try fixture.inventory.audit.privateKeys(modeBits: 0o044) { seen.append(($0.format, $0.encrypted, $0.mode)) }
            #expect(seen.count == 1)
            #expect(seen.first?.0 == format)
            #expect(seen.first?.1 == true)
        } else {
            let paired = try #require(certificate.privateKeys.first)
            #expect(paired.path == placed.path)
            #expect(paired.format == format)
            #expect(paired.mode == 0o640)
            #expect(paired.ownerUID == getuid())
        }
    }

    @Test(arguments: [(["pkcs8", "-topk8", "-nocrypt"], "pkcs8"), (["pkey"], "sec1")])
    func derPrivateKeysAreRecognised(command: [String], format: String) async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(leaf.certificate, as: "cert.pem")
        let der = fixture.workshop.appendingPathComponent("key.der")
        try await TestSupport.openssl(command + ["-in", leaf.key.path, "-outform", "DER", "-out", der.path])
        try fixture.place(der, as: "key.der")
        let summary = try fixture.scan()
        #expect(summary.warnings.isEmpty)
        let certificate = try fixture.inventory.scans.certificate(matching: try await fixture.factory.fingerprint(of: leaf.certificate))
        #expect(certificate.privateKeys.map(\.format) == [format])
    }
}
