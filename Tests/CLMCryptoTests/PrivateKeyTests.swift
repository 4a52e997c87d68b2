import Foundation
import Testing
import CLMCrypto
import CLMTestSupport

@Suite("Private keys and CSRs")
struct PrivateKeyTests {
    @Test("keys from openssl in PKCS#1, SEC1, PKCS#8 PEM and DER load with the same public key", arguments: [
        ("rsa", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["rsa", "-traditional"]),
        ("ec", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], ["ec"]),
    ])
    func loadsEveryEncoding(kind: String, generate: [String], traditional: [String]) throws {
        let openssl = try TestSupport.requireTool("openssl", package: "openssl")
        let directory = try TestSupport.temporaryDirectory("clm-keys")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try TestSupport.runChecked(openssl, generate + ["-out", "\(directory)/pkcs8.pem"])
        try TestSupport.runChecked(openssl, traditional + ["-in", "\(directory)/pkcs8.pem", "-out", "\(directory)/trad.pem"])
        try TestSupport.runChecked(openssl, ["pkey", "-in", "\(directory)/pkcs8.pem", "-outform", "DER", "-out", "\(directory)/pkcs8.der"])
        try TestSupport.runChecked(openssl, traditional + ["-in", "\(directory)/pkcs8.pem", "-outform", "DER", "-out", "\(directory)/trad.der"])
        try TestSupport.runChecked(openssl, ["pkey", "-in", "\(directory)/pkcs8.pem", "-pubout", "-outform", "DER", "-out", "\(directory)/pub.der"])
        let expected = Digest.sha256Hex(Array(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/pub.der"))))
        for file in ["pkcs8.pem", "trad.pem", "pkcs8.der", "trad.der"] {
            let key = try PrivateKey(contentsOf: "\(directory)/\(file)")
            #expect(try key.publicKeySHA256Hex() == expected, "\(file)")
        }
        #expect(try String(contentsOfFile: "\(directory)/trad.pem", encoding: .utf8).contains(kind == "rsa" ? "RSA PRIVATE KEY" : "EC PRIVATE KEY"))
    }

    @Test("a written key is PKCS#8 with mode 0600, reads back, and its description shows no key material")
    func writeAndDescribe() throws {
        let directory = try TestSupport.temporaryDirectory("clm-keys")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try PrivateKey.generate(.ecP256)
        try key.write(to: "\(directory)/k.pem")
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(directory)/k.pem")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let pem = try String(contentsOfFile: "\(directory)/k.pem", encoding: .utf8)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try PrivateKey(contentsOf: "\(directory)/k.pem").publicKeySHA256Hex() == key.publicKeySHA256Hex())
        let body = pem.split(separator: "\n").dropFirst().first.map(String.init) ?? "x"
        #expect(!key.description.contains(body))
        #expect(key.description.contains("ec-p256"))
    }

    @Test("garbage is refused with a message naming the source")
    func garbageRefused() {
        #expect(throws: KeyError.self) { try PrivateKey(bytes: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8), source: "/x/key.pem") }
        do {
            _ = try PrivateKey(bytes: [1, 2, 3], source: "/x/key.der")
        } catch {
            #expect(error.description.contains("/x/key.der"))
        }
    }

    @Test("a CSR carries CN, DNS and IP SANs and verifies with openssl")
    func csrContents() throws {
        let openssl = try TestSupport.requireTool("openssl", package: "openssl")
        let directory = try TestSupport.temporaryDirectory("clm-csr")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try PrivateKey.generate(.rsa2048)
        let der = try CertificateSigningRequest(dnsNames: ["www.example.test", "example.test", "WWW.example.test"], ipAddresses: ["192.0.2.1", "2001:db8::1"])
            .derEncoded(signedWith: key)
        try Data(der).write(to: URL(fileURLWithPath: "\(directory)/req.der"))
        let text = try TestSupport.runChecked(openssl, ["req", "-inform", "DER", "-in", "\(directory)/req.der", "-noout", "-text", "-verify"])
        #expect(text.contains("CN = www.example.test") || text.contains("CN=www.example.test"))
        #expect(text.contains("DNS:www.example.test, DNS:example.test, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1"))
        #expect(throws: KeyError.self) { try CertificateSigningRequest(dnsNames: ["bad name,DNS:evil"]).derEncoded(signedWith: key) }
        #expect(throws: KeyError.self) { try CertificateSigningRequest(dnsNames: [], ipAddresses: ["300.1.1.1"]).derEncoded(signedWith: key) }
    }

    @Test("an ES256 signature converted back to DER verifies with openssl")
    func es256Verifies() throws {
        let openssl = try TestSupport.requireTool("openssl", package: "openssl")
        let directory = try TestSupport.temporaryDirectory("clm-sig")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try PrivateKey.generate(.ecP256)
        let message = Array("hello".utf8)
        let raw = try key.sign(message)
        #expect(raw.count == 64)
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var value = Array(bytes.drop { $0 == 0 })
            if value.isEmpty { value = [0] }
            if value[0] & 0x80 != 0 { value.insert(0, at: 0) }
            return [0x02, UInt8(value.count)] + value
        }
        let body = integer(raw[0..<32]) + integer(raw[32..<64])
        let der = [0x30, UInt8(body.count)] + body
        try Data(der).write(to: URL(fileURLWithPath: "\(directory)/sig"))
        try Data(message).write(to: URL(fileURLWithPath: "\(directory)/msg"))
        try Data(try key.publicKeyDER()).write(to: URL(fileURLWithPath: "\(directory)/pub.der"))
        let out = try TestSupport.runChecked(openssl, ["dgst", "-sha256", "-verify", "\(directory)/pub.der", "-keyform", "DER",
                                                "-signature", "\(directory)/sig", "\(directory)/msg"])
        #expect(out.contains("Verified OK"))
    }
}
