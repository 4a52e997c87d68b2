import CLMTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus scrapes `clm serve` with x509-certificate-exporter's
/// default alert rules (docs/prometheus/x509-certificate-exporter.rules.yml):
/// the expiry, renewal, not-yet-valid and read-error alerts go active on
/// generated certificates, and `promtool check metrics` finds nothing.
@Suite(.timeLimit(.minutes(4)))
struct PrometheusScrapeTests {
    @Test func exporterAlertRulesFireOnClmServe() async throws {
        let prometheus = try TestSupport.findTool("prometheus", aptPackage: "prometheus")
        let clm = try ClmRunner()
        let tree = clm.home.url.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        let factory = CertificateFactory(directory: clm.home.url)
        let ca = try await factory.authority("prom-ca")
        let day: TimeInterval = 86_400
        let leaves = [
            ("renew", ["renew.example.test"], nil as Date?, Date().addingTimeInterval(20 * day)),
            ("expiring", ["expiring.example.test"], nil, Date().addingTimeInterval(10 * day)),
            ("future", ["future.example.test"], Date().addingTimeInterval(2 * day), Date().addingTimeInterval(200 * day)),
            ("fine", ["fine.example.test"], nil, Date().addingTimeInterval(200 * day)),
        ]
        for (name, names, notBefore, notAfter) in leaves {
            let leaf = try await factory.leaf(name, names: names, issuer: ca,
                                              notBefore: Self.openSSLDate(notBefore ?? Date().addingTimeInterval(-day)),
                                              notAfter: Self.openSSLDate(notAfter))
            try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent("\(name).pem"))
        }
        #expect(try await clm.run(["scan", tree.path]).status == 0)

        let server = try await ServedInventory.start(clm, scanFirst: false)
        defer { server.stop() }
        let scrape = try await TestSupport.run("curl", ["-sS", "-m", "10", "http://127.0.0.1:\(server.port)/metrics"], aptPackage: "curl")
        let lint = try await TestSupport.run("promtool", ["check", "metrics"], aptPackage: "prometheus", stdin: scrape.stdout)
        #expect(lint.status == 0 && lint.stdoutText.isEmpty && lint.stderrText.isEmpty,
                "promtool check metrics: \(lint.stdoutText)\(lint.stderrText)")

        let rules = ToolRunner.repositoryRoot.appendingPathComponent("docs/prometheus/x509-certificate-exporter.rules.yml").path
        let check = try await TestSupport.run("promtool", ["check", "rules", rules], aptPackage: "prometheus")
        #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
        let promDir = clm.home.url.appendingPathComponent("prometheus")
        try FileManager.default.createDirectory(at: promDir, withIntermediateDirectories: true)
        let config = promDir.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: ["\(rules)"]
            scrape_configs:
              - job_name: clm
                static_configs:
                  - targets: ["127.0.0.1:\(server.port)"]
            """.write(to: config, atomically: true, encoding: .utf8)
        let webPort = try TestSupport.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: prometheus)
        process.arguments = ["--config.file=\(config.path)", "--storage.tsdb.path=\(promDir.appendingPathComponent("data").path)",
                             "--web.listen-address=127.0.0.1:\(webPort)"]
        let log = promDir.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let api = "http://127.0.0.1:\(webPort)/api/v1"

        // Two scrapes with no read errors, then a broken file appears and is scanned: the count rises.
        _ = try await Self.poll(timeout: 60) {
            let result = try await Self.getJSON("\(api)/query?query=count_over_time(x509_read_errors%5B1m%5D)")
            let value = ((result?["data"] as? [String: Any])?["result"] as? [[String: Any]])?.first?["value"] as? [Any]
            return Double(value?.last as? String ?? "") ?? 0 >= 2 ? true : nil
        }
        try Data("not a certificate".utf8).write(to: tree.appendingPathComponent("broken.pem"))
        #expect(try await clm.run(["scan", tree.path]).status == 0)

        let expected: Set<String> = ["CertificateRenewal renew.example.test", "CertificateRenewal expiring.example.test",
                                     "CertificateExpiration expiring.example.test", "CertificateNotYetValid future.example.test",
                                     "X509ExporterReadErrors "]
        let active = try await Self.poll(timeout: 90) { () -> Set<String>? in
            let alerts = ((try await Self.getJSON("\(api)/alerts"))?["data"] as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
            let names = Set(alerts.compactMap { alert -> String? in
                guard let labels = alert["labels"] as? [String: String], let state = alert["state"] as? String,
                      state == "pending" || state == "firing" else { return nil }
                return "\(labels["alertname"] ?? "") \(labels["subject_CN"] ?? "")"
            })
            return expected.isSubset(of: names) ? names : nil
        }
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(active != nil, "alerts did not go active; prometheus log:\n\(logText.suffix(2000))")
        #expect(active.map { !$0.contains { $0.hasSuffix("fine.example.test") } } ?? false, "the certificate with 200 days left raises nothing")
    }

    static func openSSLDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        return formatter.string(from: date)
    }

    static func getJSON(_ url: String) async throws -> [String: Any]? {
        let result = try await TestSupport.run("curl", ["-sS", "-m", "5", url], aptPackage: "curl", timeout: 20)
        guard result.status == 0 else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any]
    }

    /// Calls `check` every half second until it returns a value or `timeout` passes.
    static func poll<T>(timeout: TimeInterval, _ check: () async throws -> T?) async throws -> T? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let value = try await check() { return value }
            try await Task.sleep(for: .milliseconds(500))
        }
        return nil
    }
}
