import CLMTestSupport
import Foundation
import Testing

/// `clm diagnose` against the servers operators run: Debian's nginx and HAProxy.
@Suite(.timeLimit(.minutes(2)))
struct DiagnoseWebServerTests {
    func codes(_ result: CommandResult) throws -> [String] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        return (json["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
    }

    @Test func nginxWithoutTheIntermediateIsAnIncompleteChain() async throws {
        let clm = try ClmRunner()
        let ca = try TestCA()
        let leaf = try ca.issue("shop.example.test")
        let server = try LocalTLSServer.nginx(fullchain: leaf.certPath, key: leaf.keyPath)   // leaf only: the classic mistake
        defer { server.stop() }
        let result = try await clm.run(["diagnose", "127.0.0.1:\(server.port)", "--sni", "shop.example.test", "--ca-file", ca.root.certPath, "--format", "json"])
        #expect(result.status == 1)
        #expect(try codes(result).contains("chain.incomplete"))

        let fixed = try ca.bundle([leaf, ca.intermediate], name: "fullchain.pem")
        let good = try LocalTLSServer.nginx(fullchain: fixed, key: leaf.keyPath)
        defer { good.stop() }
        let ok = try await clm.run(["diagnose", "127.0.0.1:\(good.port)", "--sni", "shop.example.test", "--ca-file", ca.root.certPath])
        #expect(ok.status == 0, "\(ok.stdoutText)")
    }

    @Test func haproxySendingTheRootAndAWrongOrderIsReported() async throws {
        let clm = try ClmRunner()
        let ca = try TestCA()
        let leaf = try ca.issue("api.example.test")
        let key = try String(contentsOfFile: leaf.keyPath, encoding: .utf8)
        // HAProxy sends the certificates in file order: leaf, root, intermediate.
        let combined = try ca.bundle([leaf, ca.root, ca.intermediate], name: "combined-certs.pem")
        let path = combined + ".with-key.pem"
        try (try String(contentsOfFile: combined, encoding: .utf8) + key).write(toFile: path, atomically: true, encoding: .utf8)
        let server = try LocalTLSServer.haproxy(combinedPEM: path)
        defer { server.stop() }
        let result = try await clm.run(["diagnose", "127.0.0.1:\(server.port)", "--sni", "api.example.test", "--ca-file", ca.root.certPath, "--format", "json"])
        let found = try codes(result)
        #expect(found.contains("chain.includes-root"), "\(found)")
        #expect(found.contains("chain.wrong-order"), "\(found)")
    }
}
