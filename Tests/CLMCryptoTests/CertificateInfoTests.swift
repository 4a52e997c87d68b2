import Foundation
import Testing
@testable import CLMCrypto
import CLMTestSupport

private let leafExtensions = """
    basicConstraints = CA:FALSE
    keyUsage = critical, digitalSignature, keyEncipherment
    extendedKeyUsage = serverAuth, clientAuth, 1.3.6.1.4.1.99999.7
    subjectAltName = DNS:www.example.com, DNS:*.example.com, IP:192.0.2.7, IP:2001:db8::42, IP:fe80::1:0:0:1, email:admin@example.com, URI:https://example.com/path, RID:1.2.3.4, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@example.com
    authorityInfoAccess = OCSP;URI:http://ocsp.example.com/, caIssuers;URI:http://ca.example.com/ca.der
    tlsfeature = status_request
    subjectKeyIdentifier = hash
    authorityKeyIdentifier = keyid
    """

private let caExtensions = """
    basicConstraints = critical, CA:TRUE, pathlen:2
    keyUsage = critical, keyCertSign, cRLSign
    subjectKeyIdentifier = hash
    authorityKeyIdentifier = keyid:always
    """

private let simpleLeaf = """
    basicConstraints = CA:FALSE
    subjectAltName = DNS:leaf.example
    subjectKeyIdentifier = hash
    authorityKeyIdentifier = keyid
    """

/// `openssl x509 -dateopt iso_8601` form: "2026-11-29 11:47:04Z".
func utc(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
    return formatter.string(from: date)
}

let certificateRecipes: [CertificateRecipe] = [
    CertificateRecipe(name: "RSA 2048 leaf with every SAN kind, AIA, EKU and must-staple", key: .rsa(2048),
                      subject: "/C=US/O=Example, Inc/CN=www.example.com", extensions: leafExtensions),
    CertificateRecipe(name: "RSA 4096 self-signed CA with pathlen 2", key: .rsa(4096), selfSigned: true,
                      subject: "/C=US/O=Example/CN=Example Root", days: 3650, extensions: caExtensions),
    CertificateRecipe(name: "RSA 1024 self-signed with SHA-1", key: .rsa(1024), selfSigned: true,
                      subject: "/CN=sha1.example", digest: "-sha1", extensions: caExtensions),
    CertificateRecipe(name: "RSA 1024 self-signed with MD5", key: .rsa(1024), selfSigned: true,
                      subject: "/CN=md5.example", digest: "-md5", extensions: simpleLeaf),
    CertificateRecipe(name: "EC P-256 leaf", key: .ec("P-256"), extensions: simpleLeaf),
    CertificateRecipe(name: "EC P-384 self-signed with SHA-384", key: .ec("P-384"), selfSigned: true,
                      digest: "-sha384", extensions: caExtensions),
    CertificateRecipe(name: "EC P-521 leaf", key: .ec("P-521"), extensions: simpleLeaf),
    CertificateRecipe(name: "EC secp256k1 leaf", key: .ec("secp256k1"), extensions: simpleLeaf),
    CertificateRecipe(name: "Ed25519 self-signed", key: .ed25519, selfSigned: true, extensions: caExtensions),
    CertificateRecipe(name: "Ed448 leaf", key: .ed448, extensions: simpleLeaf),
    CertificateRecipe(name: "v1 certificate without extensions and a serial that needs a leading 00", key: .ec("P-256"),
                      serial: "0xFF112233", extensions: nil),
    CertificateRecipe(name: "GeneralizedTime notAfter after 2050", key: .ec("P-256"), days: 15_000, extensions: simpleLeaf),
    CertificateRecipe(name: "UTF-8, escaped and multi-valued subject", key: .ec("P-256"),
                      subject: "/C=DE/O=Müller, Söhne; \"Partner\"/OU=R&D+L=Köln/CN=ünïcode.example/emailAddress=ops@example.com/DC=example/street= spaced ",
                      extensions: simpleLeaf),
]

@Suite struct CertificateInfoTests {
    @Test(arguments: certificateRecipes)
    func everyFieldMatchesWhatOpenSSLPrints(recipe: CertificateRecipe) async throws {
        let generated = try await GeneratedCertificate.make(recipe)
        let openssl = try await OpenSSLView(generated)
        let info = try CertificateInfo(der: generated.der)

        // PEM decoding yields the same DER as `openssl x509 -outform DER`.
        let scan = PEMDecoder.blocks(in: Array(try Data(contentsOf: generated.pem)))
        #expect(scan.problems.isEmpty)
        #expect(scan.blocks.map(\.label) == ["CERTIFICATE"])
        #expect(scan.blocks.first?.der == generated.der)

        #expect(info.fingerprintSHA256 == openssl.topLevel("sha256 Fingerprint=")?.replacingOccurrences(of: ":", with: "").lowercased())
        #expect(info.serialHex == openssl.topLevel("serial=")?.lowercased())
        #expect(utc(info.notBefore) == openssl.topLevel("notBefore="))
        #expect(utc(info.notAfter) == openssl.topLevel("notAfter="))
        #expect(info.subject.description == openssl.topLevel("subject="))
        #expect(info.issuer.description == openssl.topLevel("issuer="))
        #expect(info.subject.commonName == recipe.subject.split(separator: "/").last { $0.hasPrefix("CN=") }.map { String($0.dropFirst(3)) })
        #expect("\(info.version) (0x\(info.version - 1))" == openssl.field("Version:"))
        #expect(info.signatureAlgorithm.name == openssl.field("Signature Algorithm:"))
        #expect(info.signatureAlgorithm.isWeak == (recipe.digest == "-sha1" || recipe.digest == "-md5"))

        try await checkPublicKey(info, openssl, generated)
        checkExtensions(info, openssl)

        #expect(info.isSelfIssued == (info.subject.description == info.issuer.description))
        #expect(info.isSelfIssued == recipe.selfSigned)
        #expect(info.isSelfSigned == recipe.selfSigned)
        #expect(try CertificateInfo(der: generated.der) == info)
    }

    private func checkPublicKey(_ info: CertificateInfo, _ openssl: OpenSSLView, _ generated: GeneratedCertificate) async throws {
        let pubkey = generated.directory.file("pub.pem"), spki = generated.directory.file("pub.der")
        try await TestSupport.openssl(["x509", "-in", generated.pem.path, "-noout", "-pubkey", "-out", pubkey.path])
        try await TestSupport.openssl(["pkey", "-pubin", "-in", pubkey.path, "-outform", "DER", "-out", spki.path])
        #expect(info.publicKey.spkiSHA256 == Digest.sha256Hex(Array(try Data(contentsOf: spki))))

        switch openssl.field("Public Key Algorithm:") {
        case "rsaEncryption":
            #expect(info.publicKey.algorithm == .rsa(bits: Int(openssl.field("Public-Key: (")?.split(separator: " ").first ?? "") ?? -1))
        case "id-ecPublicKey":
            let curve = openssl.field("NIST CURVE:") ?? openssl.field("ASN1 OID:")
            #expect(info.publicKey.algorithm.curve == curve)
            #expect(info.publicKey.algorithm.bits == Int(openssl.field("Public-Key: (")?.split(separator: " ").first ?? ""))
        case "ED25519": #expect(info.publicKey.algorithm == .ed25519)
        case "ED448": #expect(info.publicKey.algorithm == .ed448)
        case let other: Issue.record("unexpected key algorithm \(other ?? "none")")
        }
    }

    private func checkExtensions(_ info: CertificateInfo, _ openssl: OpenSSLView) {
        // Subject Alternative Name: compare each entry, normalising IP text through inet_pton.
        let sans = openssl.extensionValue("X509v3 Subject Alternative Name")?.components(separatedBy: ", ") ?? []
        #expect(info.subjectAlternativeNames.count == sans.count)
        for (ours, theirs) in zip(info.subjectAlternativeNames, sans) {
            switch ours {
            case .dns(let name): #expect(theirs == "DNS:\(name)")
            case .email(let address): #expect(theirs == "email:\(address)")
            case .uri(let uri): #expect(theirs == "URI:\(uri)")
            case .ip(let address):
                #expect(theirs.hasPrefix("IP Address:"))
                #expect(ipBytes(address) != nil)
                #expect(ipBytes(address) == ipBytes(String(theirs.dropFirst("IP Address:".count))))
            case .other(let text):
                if text.hasPrefix("RID:") { #expect(theirs == "Registered ID:\(text.dropFirst(4))") }
                else { #expect(text == "otherName:1.3.6.1.4.1.311.20.2.3" && theirs.hasPrefix("othername:")) }
            }
        }
        #expect(info.dnsNames == sans.filter { $0.hasPrefix("DNS:") }.map { String($0.dropFirst(4)) })

        let basic = openssl.extensionValue("X509v3 Basic Constraints")
        #expect(info.isCA == (basic?.hasPrefix("CA:TRUE") ?? false))
        #expect(info.pathLengthConstraint == basic?.components(separatedBy: "pathlen:").dropFirst().first.flatMap { Int($0) })

        let keyUsageNames = ["Digital Signature": "digitalSignature", "Non Repudiation": "nonRepudiation",
                             "Key Encipherment": "keyEncipherment", "Data Encipherment": "dataEncipherment",
                             "Key Agreement": "keyAgreement", "Certificate Sign": "keyCertSign", "CRL Sign": "cRLSign",
                             "Encipher Only": "encipherOnly", "Decipher Only": "decipherOnly"]
        let keyUsage = openssl.extensionValue("X509v3 Key Usage")?.components(separatedBy: ", ") ?? []
        #expect(info.keyUsage == keyUsage.map { keyUsageNames[$0] ?? $0 })

        let purposeNames = ["TLS Web Server Authentication": "serverAuth", "TLS Web Client Authentication": "clientAuth",
                            "Code Signing": "codeSigning", "E-mail Protection": "emailProtection",
                            "Time Stamping": "timeStamping", "OCSP Signing": "OCSPSigning"]
        let purposes = openssl.extensionValue("X509v3 Extended Key Usage")?.components(separatedBy: ", ") ?? []
        #expect(info.extendedKeyUsage == purposes.map { purposeNames[$0] ?? $0 })

        func hexID(_ text: String?) -> String? {
            text.map { $0.replacingOccurrences(of: "keyid:", with: "").replacingOccurrences(of: ":", with: "").lowercased() }
        }
        #expect(info.subjectKeyIdentifier == hexID(openssl.extensionValue("X509v3 Subject Key Identifier")))
        #expect(info.authorityKeyIdentifier == hexID(openssl.extensionValue("X509v3 Authority Key Identifier")))

        let access = openssl.extensionValue("Authority Information Access")?.components(separatedBy: ", ") ?? []
        #expect(info.ocspURLs == access.filter { $0.hasPrefix("OCSP - URI:") }.map { String($0.dropFirst("OCSP - URI:".count)) })
        #expect(info.caIssuersURLs == access.filter { $0.hasPrefix("CA Issuers - URI:") }.map { String($0.dropFirst("CA Issuers - URI:".count)) })
        #expect(info.mustStaple == (openssl.extensionValue("TLS Feature")?.contains("status_request") ?? false))
    }

    @Test func aSelfIssuedCertificateWhoseAuthorityKeyIDDiffersIsNotSelfSigned() async throws {
        let generated = try await GeneratedCertificate.make(certificateRecipes[5])
        let info = try CertificateInfo(der: generated.der)
        #expect(info.isSelfSigned)
        // Flip the last byte of the AKI keyIdentifier: [0] IMPLICIT OCTET STRING of 20 bytes after the AKI OID.
        let ski = try #require(info.subjectKeyIdentifier)
        let skiBytes = stride(from: 0, to: ski.count, by: 2).map {
            UInt8(ski[ski.index(ski.startIndex, offsetBy: $0)...].prefix(2), radix: 16) ?? 0
        }
        var der = generated.der
        let needle: [UInt8] = [0x80, UInt8(skiBytes.count)] + skiBytes
        let position = try #require((0...(der.count - needle.count)).first { Array(der[$0..<($0 + needle.count)]) == needle })
        der[position + needle.count - 1] ^= 0xFF
        let altered = try CertificateInfo(der: der)
        #expect(altered.isSelfIssued)
        #expect(!altered.isSelfSigned)
        #expect(altered.authorityKeyIdentifier != altered.subjectKeyIdentifier)
    }

    @Test func utcTimeYearsPivotAt1950AndGeneralizedTimeKeepsFourDigits() throws {
        func seconds(_ text: String, _ tag: UInt8) -> Double? {
            Array(text.utf8).withUnsafeBytes { X509Time.secondsSince1970($0, tag: tag) }
        }
        #expect(seconds("991231235959Z", DERTag.utcTime) == 946_684_799)
        #expect(seconds("500101000000Z", DERTag.utcTime) == -631_152_000)
        #expect(seconds("491231235959Z", DERTag.utcTime) == 2_524_607_999)
        #expect(seconds("0001010000Z", DERTag.utcTime) == 946_684_800)
        #expect(seconds("20500101000000Z", DERTag.generalizedTime) == 2_524_608_000)
        #expect(seconds("99991231235959Z", DERTag.generalizedTime) == 253_402_300_799)
        #expect(seconds("20240229120000.5Z", DERTag.generalizedTime) == 1_709_208_000.5)
        for bad in ["20230229000000Z", "20240101000000+0100", "2024010100000Z", "20241301000000Z", "2024010124000Z", "Z", ""] {
            #expect(seconds(bad, DERTag.generalizedTime) == nil, "\(bad)")
        }
        for bad in ["991231235959", "99123123595Z", "9a1231235959Z", "991231235960Z0"] {
            #expect(seconds(bad, DERTag.utcTime) == nil, "\(bad)")
        }
    }

    @Test func ipv6AddressesArePrintedInRFC5952Form() {
        func text(_ bytes: [UInt8]) -> GeneralName { bytes.withUnsafeBytes { GeneralName.ipAddress($0) } }
        #expect(text([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]) == .ip("2001:db8::1"))
        #expect(text([UInt8](repeating: 0, count: 16)) == .ip("::"))
        #expect(text([UInt8](repeating: 0, count: 15) + [1]) == .ip("::1"))
        #expect(text([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]) == .ip("2001:db8:0:1::1"))
        #expect(text([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]) == .ip("2001:db8::1:0:0:1"))
        #expect(text([0x20, 0x01, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]) == .ip("2001:0:1:1:1:1:1:1"))
        #expect(text([10, 0, 0, 1]) == .ip("10.0.0.1"))
        #expect(text([1, 2, 3]) == .other("IP:010203"))
    }

    private func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

@Suite struct SystemTrustStoreTests {
    static let bundle = "/etc/ssl/certs/ca-certificates.crt"

    /// Real-world certificates (old encodings, BMPString and T61 names, odd serials) from Debian's CA bundle.
    @Test func everyCertificateInTheSystemBundleMatchesOpenSSL() async throws {
        guard FileManager.default.fileExists(atPath: Self.bundle) else {
            Issue.record("\(Self.bundle) is missing: run `apt-get install ca-certificates`")
            return
        }
        let scan = PEMDecoder.blocks(in: Array(try Data(contentsOf: URL(fileURLWithPath: Self.bundle))))
        #expect(scan.problems.isEmpty)
        #expect(scan.blocks.count > 50)
        let directory = try TemporaryDirectory(prefix: "clm-bundle")
        for (index, block) in scan.blocks.enumerated() {
            let info = try CertificateInfo(der: block.der)
            let pem = directory.file("\(index).pem")
            try await TestSupport.openssl(["x509", "-inform", "DER", "-out", pem.path], stdin: block.der)
            let openssl = try await OpenSSLView(pem: pem)
            let label = "certificate \(index): \(openssl.topLevel("subject=") ?? "?")"
            #expect(info.fingerprintSHA256 == openssl.topLevel("sha256 Fingerprint=")?.replacingOccurrences(of: ":", with: "").lowercased(), "\(label)")
            #expect(info.serialHex == openssl.topLevel("serial=")?.lowercased(), "\(label)")
            #expect(info.subject.description == openssl.topLevel("subject="), "\(label)")
            #expect(info.issuer.description == openssl.topLevel("issuer="), "\(label)")
            #expect(info.signatureAlgorithm.name == openssl.field("Signature Algorithm:"), "\(label)")
            #expect("\(info.version) (0x\(info.version - 1))" == openssl.field("Version:"), "\(label)")
            #expect(info.publicKey.algorithm.bits == Int(openssl.field("Public-Key: (")?.split(separator: " ").first ?? ""), "\(label)")
            #expect(utc(info.notBefore) == openssl.topLevel("notBefore="), "\(label)")
            #expect(utc(info.notAfter) == openssl.topLevel("notAfter="), "\(label)")
            #expect(info.isCA, "\(label)")
        }
    }
}
