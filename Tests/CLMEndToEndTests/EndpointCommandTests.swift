import CLMTestSupport
import Foundation
import Testing

/// `clm scan --endpoint/--targets/--nginx` and `clm diagnose`, run as an operator would.
@Suite(.timeLimit(.minutes(10)))  // also run in the TSan stage, with a TSan-built clm
struct EndpointCommandTests {
    @Test func diagnoseExitCodesAndJSONFindingCodes() async throws {
        let clm = try ClmRunner()
        let ca = try TestCA()
        let healthy = try ca.issue("www.example.test")
        let chain = try ca.bundle([ca.intermediate], name: "chain.pem")
        let good = try OpenSSLServer.start(cert: healthy.certPath, key: healthy.keyPath, chain: chain)
        defer { good.stop() }
        let expired = try ca.issue("old.example.test", notBefore: Date(timeIntervalSinceNow: -90 * 86_400), notAfter: Date(timeIntervalSinceNow: -86_400))
        let stale = try OpenSSLServer.start(cert: expired.certPath, key: expired.keyPath, chain: chain)
        defer { stale.stop() }
        let silent = try SilentServer()

        let accept = try await clm.run(["diagnose", "127.0.0.1:\(good.port)", "--sni", "www.example.test", "--ca-file", ca.root.certPath])
        #expect(accept.status == 0, "\(accept.stdoutText)")
        #expect(accept.stdoutText.contains("A default client would accept this server."))

        let refuse = try await clm.run(["diagnose", "127.0.0.1:\(stale.port)", "--sni", "old.example.test", "--ca-file", ca.root.certPath, "--format", "json"])
        #expect(refuse.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(refuse.stdout)) as? [String: Any])
        let codes = (json["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
        #expect(codes.contains("cert.expired"))
        #expect(json["wouldClientAccept"] as? Bool == false)

        let untrusted = try await clm.run(["diagnose", "127.0.0.1:\(good.port)", "--sni", "www.example.test"])
        #expect(untrusted.status == 1)
        #expect(untrusted.stdoutText.contains("--ca-file"))

        let timeout = try await clm.run(["diagnose", "127.0.0.1:\(silent.port)", "--timeout", "2s"])
        #expect(timeout.status == 2)
        #expect(timeout.stdoutText.contains("connect.timeout"))
        let refused = try await clm.run(["diagnose", "127.0.0.1:\(try closedLocalPort())"])
        #expect(refused.status == 2)
        #expect(refused.stdoutText.contains("connect.refused"))
        let usage = try await clm.run(["diagnose", "127.0.0.1:99999"])
        #expect(usage.status == 2)
        #expect(usage.stderrText.contains("99999"))
    }

    @Test func scanRecordsEndpointsAndTheChainTheySend() async throws {
        let clm = try ClmRunner()
        let ca = try TestCA()
        let leaf = try ca.issue("mail.example.test")
        let chain = try ca.bundle([ca.intermediate], name: "chain.pem")
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: chain)
        defer { server.stop() }
        let silent = try SilentServer()
        let targets = clm.home.url.appendingPathComponent("targets.txt")
        try Data("""
            # endpoints to watch
            127.0.0.1:\(server.port) sni=mail.example.test
            127.0.0.1:\(silent.port)
            """.utf8).write(to: targets)

        let scan = try await clm.run(["scan", "--targets", targets.path, "--timeout", "2s", "--ca-file", ca.root.certPath, "--format", "json"])
        #expect(scan.status == 0, "\(scan.stderrText)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout)) as? [String: Any])
        let endpoints = try #require(summary["endpoints"] as? [[String: Any]])
        #expect(endpoints.count == 2)
        let answered = try #require(endpoints.first { $0["error_code"] == nil || $0["error_code"] is NSNull })
        #expect((answered["chain_sha256"] as? [String])?.count == 2)
        #expect(answered["verify_code"] as? Int == 0)
        #expect(answered["hostname_matches"] as? Bool == true)
        #expect((answered["tls_versions"] as? [String])?.contains("TLSv1.3") == true)
        #expect(endpoints.contains { $0["error_code"] as? String == "connect.timeout" })

        let listing = try #require(try await clm.json(["inventory", "list", "--format", "json"]) as? [[String: Any]])
        #expect(listing.count == 2)  // the leaf and the intermediate it sent
        let leafRow = try #require(listing.first { $0["subject_cn"] as? String == "mail.example.test" })
        let fingerprint = try #require(leafRow["fingerprint_sha256"] as? String)
        let show = try #require(try await clm.json(["inventory", "show", fingerprint, "--format", "json"]) as? [String: Any])
        let locations = try #require(show["locations"] as? [[String: Any]])
        #expect(locations.first?["kind"] as? String == "endpoint")
        #expect(locations.first?["ref"] as? String == "127.0.0.1:\(server.port) sni=mail.example.test")
    }

    @Test func nginxConfigsLeadToTheirCertificatesAndSites() async throws {
        let clm = try ClmRunner()
        let ca = try TestCA()
        let leaf = try ca.issue("shop.example.test")
        let conf = clm.home.url.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: conf.appendingPathComponent("sites"), withIntermediateDirectories: true)
        try Data("""
            events {}
            http {
                include sites/*.conf;
            }
            """.utf8).write(to: conf.appendingPathComponent("nginx.conf"))
        try Data("""
            server {
                listen 443 ssl;
                server_name shop.example.test;
                ssl_certificate \(leaf.certPath);
                ssl_certificate_key \(leaf.keyPath);
            }
            server {
                listen 8443 ssl;
                server_name broken.example.test;
                ssl_certificate /nonexistent/broken.pem;
            """.utf8).write(to: conf.appendingPathComponent("sites/shop.conf"))
        let scan = try await clm.run(["scan", "--nginx", conf.appendingPathComponent("nginx.conf").path])
        #expect(scan.status == 0, "\(scan.stderrText)")
        #expect(scan.stdoutText.contains("shop.example.test on 443 -> \(leaf.certPath)"))
        #expect(scan.stderrText.contains("shop.conf:"))          // warnings carry file:line, on standard error
        #expect(scan.stderrText.contains("/nonexistent/broken.pem"))
        let listing = try #require(try await clm.json(["inventory", "list", "--format", "json"]) as? [[String: Any]])
        #expect(listing.contains { $0["subject_cn"] as? String == "shop.example.test" })
    }
}
