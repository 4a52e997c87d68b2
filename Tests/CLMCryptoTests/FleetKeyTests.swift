import Foundation
import Testing
@testable import CLMCrypto
import CLMTestSupport

@Suite("Fleet key: AES-256-GCM sealing of private keys for the shared inventory")
struct FleetKeyTests {
    @Test("a sealed key opens under the same key and context, and under nothing else")
    func sealAndOpen() throws {
        let key = try FleetKey.generate()
        let secret = Array("-----BEGIN PRIVATE KEY-----\nMIG...\n".utf8)
        let sealed = try key.seal(secret, context: "www.example.test|ab12")
        #expect(sealed.count == 5 + 8 + 12 + secret.count + 16)
        #expect(sealed.firstRange(of: secret) == nil, "the plaintext shows in the sealed bytes")
        #expect(try key.open(sealed, context: "www.example.test|ab12") == secret)
        // Two seals of one secret differ (random nonce).
        #expect(try key.seal(secret, context: "c") != key.seal(secret, context: "c"))

        // Moved to another row: the context is authenticated.
        #expect(throws: FleetKeyError.self) { try key.open(sealed, context: "mail.example.test|ab12") }
        // One bit changed anywhere after the header.
        var altered = sealed
        altered[sealed.count - 20] ^= 1
        #expect(throws: FleetKeyError.self) { try key.open(altered, context: "www.example.test|ab12") }
        // Another fleet key: named by its identifier, never opened.
        let other = try FleetKey.generate()
        do {
            _ = try other.open(sealed, context: "www.example.test|ab12")
            Issue.record("another key opened the seal")
        } catch {
            guard case let .otherKey(sealedWith, have) = error else { Issue.record("got \(error)"); return }
            #expect(sealedWith == key.identifier && have == other.identifier)
        }
        #expect(throws: FleetKeyError.self) { try key.open(Array("garbage".utf8), context: "x") }
    }

    @Test("key files: raw, base64 or hex; refused when readable by others or of the wrong length")
    func keyFiles() throws {
        let dir = try TestSupport.temporaryDirectory("clm-fleet-key")
        let bytes = (0..<32).map { UInt8($0 * 7 & 0xFF) }
        let forms: [String: Data] = [
            "raw": Data(bytes),
            "b64": Data((Data(bytes).base64EncodedString() + "\n").utf8),
            "hex": Data(bytes.map { String(format: "%02x", $0) }.joined().utf8),
        ]
        var identifiers: Set<String> = []
        for (name, data) in forms {
            let path = dir + "/" + name
            try data.write(to: URL(fileURLWithPath: path))
            chmod(path, 0o600)
            identifiers.insert(try FleetKey.load(path: path).identifier)
        }
        #expect(identifiers.count == 1, "the three forms are one key")

        let open = dir + "/open"
        try Data(bytes).write(to: URL(fileURLWithPath: open))
        chmod(open, 0o644)
        do { _ = try FleetKey.load(path: open); Issue.record("a 0644 key file was accepted") } catch {
            #expect(error.description.contains("chmod 600 \(open)"))
        }
        let short = dir + "/short"
        try Data(bytes.prefix(16)).write(to: URL(fileURLWithPath: short))
        chmod(short, 0o600)
        #expect(throws: FleetKeyError.self) { try FleetKey.load(path: short) }
        #expect(throws: FleetKeyError.self) { try FleetKey.load(path: dir + "/missing") }
    }
}
