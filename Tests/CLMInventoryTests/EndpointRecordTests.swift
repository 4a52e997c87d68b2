import CLMInventory
import CLMTestSupport
import Foundation
import Testing

@Suite struct EndpointRecordTests {
    func facts(_ fingerprint: String, cn: String) -> CertificateFacts {
        CertificateFacts(fingerprintSHA256: fingerprint, subject: "CN=\(cn)", subjectCN: cn, issuer: "CN=CA", issuerCN: "CA", serial: "01",
                         notBefore: 0, notAfter: 2_000_000_000, subjectAlternativeNames: [SubjectAlternativeName(kind: .dns, value: cn)],
                         keyAlgorithm: "EC", keyBits: 256, keyCurve: "P-256", signatureAlgorithm: "ecdsa-with-SHA256", isCA: false,
                         isSelfSigned: false, spkiSHA256: "s-\(fingerprint)", authorityKeyID: nil, subjectKeyID: nil, der: [0x30, 0x00])
    }

    @Test func aChangedChainMarksTheOldCertificateGoneAtThatEndpoint() throws {
        let temp = try TemporaryDirectory(prefix: "clm-endpoints")
        let inventory = try Inventory(path: temp.url.appendingPathComponent("i.sqlite").path)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var record = EndpointRecord(host: "mail.example.test", port: 993, sni: "mail.example.test", protocolVersion: "TLSv1.3",
                                    tlsVersions: ["TLSv1.2", "TLSv1.3"], verifyCode: 0, hostnameMatches: true, chainFingerprints: ["aaaaaaaa11", "cccccccc33"])
        try inventory.scans.recordEndpoint(record, newCertificates: [facts("aaaaaaaa11", cn: "mail.example.test"), facts("cccccccc33", cn: "CA")], scanID: nil, now: t0)
        record.chainFingerprints = ["bbbbbbbb22", "cccccccc33"]
        try inventory.scans.recordEndpoint(record, newCertificates: [facts("bbbbbbbb22", cn: "mail.example.test")], scanID: nil, now: t0.addingTimeInterval(60))
        #expect(try inventory.scans.certificate(matching: "aaaaaaaa11").locations.first?.goneSince == 1_800_000_060)
        #expect(try inventory.scans.certificate(matching: "bbbbbbbb22").locations.first?.goneSince == nil)
        #expect(try inventory.scans.certificate(matching: "cccccccc33").locations.first?.position == 1)
        let stored = try #require(try inventory.scans.endpoints().first)
        #expect(stored.record.ref == "mail.example.test:993")
        #expect(stored.record.chainFingerprints == ["bbbbbbbb22", "cccccccc33"])
        #expect(stored.record.tlsVersions == ["TLSv1.2", "TLSv1.3"])

        // A failed probe keeps the last good facts and records the error.
        var failed = EndpointRecord(host: "mail.example.test", port: 993, sni: "mail.example.test")
        failed.errorCode = "connect.timeout"
        failed.error = "no answer"
        try inventory.scans.recordEndpoint(failed, newCertificates: [], scanID: nil, now: t0.addingTimeInterval(120))
        let after = try #require(try inventory.scans.endpoints().first)
        #expect(after.record.errorCode == "connect.timeout")
        #expect(after.record.protocolVersion == "TLSv1.3")
        #expect(after.lastSuccess == 1_800_000_060)
    }

    @Test func endpointRefsBracketIPv6AndNameADifferentSNI() {
        #expect(EndpointRecord.ref(host: "::1", port: 443, sni: "") == "[::1]:443")
        #expect(EndpointRecord.ref(host: "10.0.0.1", port: 993, sni: "mail.example.test") == "10.0.0.1:993 sni=mail.example.test")
        #expect(EndpointRecord.ref(host: "www.example.test", port: 443, sni: "www.example.test") == "www.example.test:443")
    }
}
