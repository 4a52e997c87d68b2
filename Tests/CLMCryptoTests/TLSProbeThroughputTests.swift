import Foundation
import Testing
import CLMCrypto
import CLMTestSupport

/// Opt-in (CLM_PERF=1): handshakes per second against one nginx on loopback.
@Suite("TLS probe throughput (opt-in)")
struct TLSProbeThroughputTests {
    @Test("Batch probing rate against nginx", .enabled(if: ProcessInfo.processInfo.environment["CLM_PERF"] == "1"))
    func rate() async throws {
        let nginx = try ToolRunner.require("nginx", aptPackage: "nginx")
        let ca = try TestCA()
        let leaf = try ca.issue("localhost")
        let chain = try ca.bundle([leaf, ca.intermediate], name: "full.pem")
        let port = try closedLocalPort()
        let dir = ca.directory.path
        try """
        worker_processes 2; daemon off; pid \(dir)/nginx.pid; error_log \(dir)/error.log;
        events { worker_connections 1024; }
        http { access_log off; ssl_session_cache off; ssl_session_tickets off;
          server { listen 127.0.0.1:\(port) ssl; ssl_certificate \(chain); ssl_certificate_key \(leaf.keyPath); } }
        """.write(toFile: "\(dir)/nginx.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", dir, "-c", "\(dir)/nginx.conf"]
        try process.run()
        defer {
            // nginx manages its own signal mask, so SIGTERM stops master and workers.
            kill(process.processIdentifier, SIGTERM)
            for _ in 0..<50 where process.isRunning { usleep(100_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try await Task.sleep(for: .milliseconds(500))
        let prober = try TLSProber(options: TLSProbeOptions(timeout: 5, caFile: ca.root.certPath))
        let targets = Array(repeating: TLSTarget(host: "127.0.0.1", port: port, sni: "localhost"), count: 1000)
        let start = ContinuousClock.now
        let outcomes = await prober.probe(targets, concurrency: 16)
        let elapsed = ContinuousClock.now - start
        let ok = outcomes.filter { (try? $0.result.get()) != nil }.count
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("probed \(ok)/\(targets.count) in \(seconds) s: \(Double(ok) / seconds) handshakes/s")
        #expect(ok == targets.count)
    }
}
