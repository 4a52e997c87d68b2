import CLMInventory
import CLMReport
import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2)))
struct MetricsExporterTests {
    /// Parses the text with the official Python client and returns every sample as JSON.
    static func parseWithPrometheusClient(_ text: String) async throws -> [[String: Any]] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    out.append({"family": family.name, "type": family.type, "name": sample.name, "labels": sample.labels, "value": sample.value})
            print(json.dumps(out))
            """
        let result = try await TestSupport.run("python3", ["-c", script], aptPackage: "python3 (+ pip install prometheus-client)",
                                               stdin: Array(text.utf8))
        guard result.status == 0 else {
            throw TestSupportError.commandFailed(command: "python3 prometheus_client parser", status: result.status, stderr: result.stderrText)
        }
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]])
    }

    @Test func metricsParseWithThePrometheusClientAndMatchTheInventory() async throws {
        let fixture = try await ReportFixture.make()
        let text = try MetricsExporter(inventory: fixture.inventory).render(now: fixture.now)
        let samples = try await Self.parseWithPrometheusClient(text)
        let certificates = try fixture.inventory.listCertificates()
        for name in ["x509_cert_not_after", "x509_cert_not_before", "x509_cert_expired", "x509_cert_expires_in_seconds"] {
            let series = samples.filter { $0["name"] as? String == name }
            #expect(series.count == 3, "\(name)")
            #expect(samples.first { $0["name"] as? String == name }?["type"] as? String == "gauge")
        }
        for certificate in certificates {
            let filename = (certificate.facts.subjectCN ?? "").split(separator: ".").first.map { "\($0).pem" } ?? ""
            let labelsMatch: ([String: Any]) -> Bool = { sample in
                (sample["labels"] as? [String: String])?["filename"] == filename
            }
            let notAfter = try #require(samples.first { $0["name"] as? String == "x509_cert_not_after" && labelsMatch($0) })
            #expect(notAfter["value"] as? Double == Double(certificate.facts.notAfter))
            let labels = try #require(notAfter["labels"] as? [String: String])
            #expect(labels["subject_CN"] == certificate.facts.subjectCN)
            #expect(labels["issuer_CN"] == "report-ca")
            #expect(labels["issuer_O"] == "clm tests")
            #expect(labels["serial_number"] == certificate.facts.serial)
            #expect(labels["filepath"] == fixture.tree.appendingPathComponent(filename).path)
            let expired = try #require(samples.first { $0["name"] as? String == "x509_cert_expired" && labelsMatch($0) })
            #expect(expired["value"] as? Double == (Double(certificate.facts.notAfter) < fixture.now.timeIntervalSince1970 ? 1 : 0))
            let expiresIn = try #require(samples.first { $0["name"] as? String == "x509_cert_expires_in_seconds" && labelsMatch($0) })
            #expect(abs((expiresIn["value"] as? Double ?? 0) - (Double(certificate.facts.notAfter) - fixture.now.timeIntervalSince1970)) < 2)
        }
        #expect(samples.contains { $0["name"] as? String == "x509_read_errors" && $0["value"] as? Double == 0 })
    }

    @Test func endpointLocationsCarryAnEndpointLabel() async throws {
        let fixture = try await ReportFixture.make()
        let certificate = try #require(try fixture.inventory.listCertificates().first)
        try fixture.inventory.recordEndpoint(
            EndpointRecord(host: "mail.example.test", port: 993, sni: "mail.example.test", protocolVersion: "TLSv1.3",
                           chainFingerprints: [certificate.facts.fingerprintSHA256]),
            newCertificates: [], scanID: nil, now: fixture.now)
        let samples = try await Self.parseWithPrometheusClient(try MetricsExporter(inventory: fixture.inventory).render(now: fixture.now))
        let endpointSeries = samples.filter { ($0["labels"] as? [String: String])?["endpoint"] == "mail.example.test:993" }
        #expect(endpointSeries.count == 4)
    }

    @Test func labelValuesAreEscaped() {
        var text = PrometheusText()
        text.sample("m", labels: [("a", "quote\" back\\slash\nnewline")], value: 1)
        #expect(text.output == "m{a=\"quote\\\" back\\\\slash\\nnewline\"} 1\n")
    }

    @Test func theServerAnswersMetricsAndRefusesEverythingElse() async throws {
        let fixture = try await ReportFixture.make()
        let server = try MetricsServer(address: "127.0.0.1:0", inventory: fixture.inventory)
        let port = server.port
        let box = UncheckedBox(server)
        let thread = Thread { for _ in 0..<3 { box.value.serveOne(now: Date()) } }
        thread.start()
        let metrics = try await TestSupport.run("curl", ["-sS", "-m", "10", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/metrics"], aptPackage: "curl")
        #expect(metrics.stdoutText.hasSuffix("\n200"))
        #expect(metrics.stdoutText.contains("x509_cert_not_after{"))
        let missing = try await TestSupport.run("curl", ["-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"], aptPackage: "curl")
        #expect(missing.stdoutText == "404")
        let post = try await TestSupport.run("curl", ["-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://127.0.0.1:\(port)/metrics"], aptPackage: "curl")
        #expect(post.stdoutText == "405")
    }
}

/// Hands a non-Sendable object to one other thread, which alone uses it afterwards.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
