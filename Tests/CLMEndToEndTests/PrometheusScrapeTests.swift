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
        let tree = try clm.directory("tree")
        let factory = clm.certificates
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
        let promDir = try clm.directory("prometheus")
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

    /// The `for:` durations (5 and 15 minutes) are too long to wait for: `promtool test rules`
    /// replays what `clm metrics` exports against the same rule file and checks the alerts
    /// fire, with their labels and annotations, once the durations have passed.
    @Test func theAlertsFireAfterTheirForDurations() async throws {
        let clm = try ClmRunner()
        let tree = try clm.directory("tree")
        let factory = clm.certificates
        let ca = try await factory.authority("prom-ca")
        let day: TimeInterval = 86_400
        for (name, notBefore, notAfter) in [("renew", -day, 20 * day), ("expiring", -day, 10 * day), ("future", 2 * day, 200 * day)] {
            let leaf = try await factory.leaf(name, names: ["\(name).example.test"], issuer: ca,
                                              notBefore: Self.openSSLDate(Date().addingTimeInterval(notBefore)),
                                              notAfter: Self.openSSLDate(Date().addingTimeInterval(notAfter)))
            try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent("\(name).pem"))
        }
        #expect(try await clm.run(["scan", tree.path]).status == 0)
        let exported = try await clm.run(["metrics"])
        let now = Date().timeIntervalSince1970
        // promtool's clock starts at 0: timestamps become seconds from now.
        var series: [[String: String]] = [["series": "x509_read_errors{job=\"clm\"}", "values": "0 0 1x40"]]
        var alerts: [String: [[String: Any]]] = [:]
        for line in exported.stdoutText.split(separator: "\n") where line.hasPrefix("x509_cert_not_after{") || line.hasPrefix("x509_cert_not_before{") {
            guard let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}"),
                  let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) else { continue }
            let name = String(line[..<open]), body = String(line[line.index(after: open)..<close])
            let relative = Int64(value - now)
            series.append(["series": "\(name){\(body),job=\"clm\"}", "values": "\(relative)+0x40"])
            // Prometheus drops empty labels (the exporter never writes them).
            var labels = Self.labels(body).filter { !$0.value.isEmpty }
            labels["job"] = "clm"
            let cn = labels["subject_CN"] ?? "", path = labels["filepath"] ?? ""
            let evalSeconds = 20.0 * 60
            if name == "x509_cert_not_after" {
                let daysLeft = (Double(relative) - evalSeconds) / 86_400
                if daysLeft < 28 {
                    alerts["CertificateRenewal", default: []].append(["exp_labels": labels.merging(["severity": "warning"]) { $1 },
                        "exp_annotations": ["summary": "Certificate should be renewed",
                                            "description": "Certificate for \"\(cn)\" should be renewed at location \"\(path)\""]])
                }
                if daysLeft < 14 {
                    alerts["CertificateExpiration", default: []].append(["exp_labels": labels.merging(["severity": "critical"]) { $1 },
                        "exp_annotations": ["summary": "Certificate is about to expire",
                                            "description": "Certificate for \"\(cn)\" is about to expire after \(String(format: "%.0f", daysLeft)) days. at location \"\(path)\""]])
                }
            } else if relative > Int64(evalSeconds) {
                alerts["CertificateNotYetValid", default: []].append(["exp_labels": labels.merging(["severity": "warning"]) { $1 },
                    "exp_annotations": ["summary": "Certificate is not valid yet",
                                        "description": "Certificate for \"\(cn)\" at \"\(path)\" is not valid yet; clients refuse it until its notBefore (check the issuing system's clock)."]])
            }
        }
        #expect(alerts["CertificateRenewal"]?.count == 2 && alerts["CertificateExpiration"]?.count == 1 && alerts["CertificateNotYetValid"]?.count == 1)
        var checks: [[String: Any]] = alerts.keys.sorted().map { ["eval_time": "20m", "alertname": $0, "exp_alerts": alerts[$0] ?? []] }
        checks.append(["eval_time": "12m", "alertname": "X509ExporterReadErrors", "exp_alerts": [[
            "exp_labels": ["job": "clm", "severity": "warning"],
            "exp_annotations": ["summary": "Increasing read errors for x509-certificate-exporter",
                                "description": "Over the last 15 minutes, this x509-certificate-exporter instance has experienced errors reading certificate files or querying the Kubernetes API. This could be caused by a misconfiguration if triggered when the exporter starts."]]]])
        // Not yet: the `for:` durations have not passed.
        checks.append(["eval_time": "5m", "alertname": "CertificateRenewal", "exp_alerts": [[String: Any]]()])
        checks.append(["eval_time": "4m", "alertname": "X509ExporterReadErrors", "exp_alerts": [[String: Any]]()])
        let rules = ToolRunner.repositoryRoot.appendingPathComponent("docs/prometheus/x509-certificate-exporter.rules.yml").path
        let test: [String: Any] = ["rule_files": [rules], "evaluation_interval": "1m",
                                   "tests": [["interval": "1m", "input_series": series, "alert_rule_test": checks]]]
        let file = clm.home.url.appendingPathComponent("alerts.test.yml")   // JSON is YAML
        try JSONSerialization.data(withJSONObject: test, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]).write(to: file)
        let result = try await TestSupport.run("promtool", ["test", "rules", file.path], aptPackage: "prometheus")
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
    }

    /// `a="x",b="y\"z"` as written by the exposition format, unescaped.
    static func labels(_ text: String) -> [String: String] {
        var labels: [String: String] = [:]
        var index = text.startIndex
        while index < text.endIndex {
            guard let equals = text[index...].firstIndex(of: "=") else { break }
            let key = String(text[index..<equals])
            var cursor = text.index(equals, offsetBy: 2)   // skip ="
            var value = ""
            while cursor < text.endIndex, text[cursor] != "\"" {
                if text[cursor] == "\\", text.index(after: cursor) < text.endIndex {
                    cursor = text.index(after: cursor)
                    value.append(text[cursor] == "n" ? "\n" : text[cursor])
                } else {
                    value.append(text[cursor])
                }
                cursor = text.index(after: cursor)
            }
            labels[key] = value
            index = cursor < text.endIndex ? text.index(after: cursor) : cursor
            if index < text.endIndex, text[index] == "," { index = text.index(after: index) }
        }
        return labels
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
