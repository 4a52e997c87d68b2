import CLMDiscover
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
        let certificates = try fixture.inventory.scans.listCertificates()
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
            #expect(labels["serial_number"] == (try await Self.decimal(ofHex: certificate.facts.serial)))
            #expect(labels["filepath"] == fixture.tree.appendingPathComponent(filename).path)
            #expect(labels["role"] == "leaf")
            let expired = try #require(samples.first { $0["name"] as? String == "x509_cert_expired" && labelsMatch($0) })
            #expect(expired["value"] as? Double == (Double(certificate.facts.notAfter) < fixture.now.timeIntervalSince1970 ? 1 : 0))
            let expiresIn = try #require(samples.first { $0["name"] as? String == "x509_cert_expires_in_seconds" && labelsMatch($0) })
            #expect(abs((expiresIn["value"] as? Double ?? 0) - (Double(certificate.facts.notAfter) - fixture.now.timeIntervalSince1970)) < 2)
        }
        #expect(samples.contains { $0["name"] as? String == "x509_read_errors" && $0["value"] as? Double == 0 })
    }

    @Test func endpointLocationsCarryAnEndpointLabel() async throws {
        let fixture = try await ReportFixture.make()
        let certificate = try #require(try fixture.inventory.scans.listCertificates().first)
        try fixture.inventory.scans.recordEndpoint(
            EndpointRecord(host: "mail.example.test", port: 993, sni: "mail.example.test", protocolVersion: "TLSv1.3",
                           chainFingerprints: [certificate.facts.fingerprintSHA256]),
            newCertificates: [], scanID: nil, now: fixture.now)
        let samples = try await Self.parseWithPrometheusClient(try MetricsExporter(inventory: fixture.inventory).render(now: fixture.now))
        let endpointSeries = samples.filter { ($0["labels"] as? [String: String])?["endpoint"] == "mail.example.test:993" }
        #expect(endpointSeries.count == 4)
        // Panels that filter on filepath keep endpoint series: same label names everywhere, filepath tls://HOST:PORT.
        #expect(endpointSeries.allSatisfy { ($0["labels"] as? [String: String])?["filepath"] == "tls://mail.example.test:993" })
        #expect(endpointSeries.allSatisfy { ($0["labels"] as? [String: String])?["filename"] == "mail.example.test:993" })
        let perCertificate = samples.filter { ($0["name"] as? String)?.hasPrefix("x509_cert_") == true }
        let labelNames = Set(perCertificate.map { Set(($0["labels"] as? [String: String] ?? [:]).keys) })
        #expect(labelNames.count == 1, "one label schema for files and endpoints: \(labelNames)")
    }

    /// Go's big.Int.String() of a hex serial, computed by Python as an independent reference.
    static func decimal(ofHex hex: String) async throws -> String {
        let result = try await TestSupport.run("python3", ["-c", "import sys; print(int(sys.argv[1], 16))", hex], aptPackage: "python3")
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func serialIsDecimalAndMultiValuedNamesGiveTheFirstValueAsTheExporterDoes() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-metrics-dn")
        let tree = temp.url.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        let key = temp.file("k.pem").path, cert = tree.appendingPathComponent("multi.pem").path
        // High bit set: DER needs a leading 00, which a signed reading would get wrong.
        let serialHex = "f1234567890abcdef1"
        try await TestSupport.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                                       "-out", cert, "-days", "30", "-set_serial", "0x" + serialHex,
                                       "-subj", "/C=DE/C=FR/ST=Berlin/ST=Hamburg/O=Example, Inc/O=Second Org/OU=Ops/OU=Dev/CN=first.example/CN=last.example"])
        let inventory = try Inventory(path: temp.file("inventory.sqlite").path)
        _ = try FileScanner(inventory: inventory).scan(roots: [tree.path])
        let samples = try await Self.parseWithPrometheusClient(try MetricsExporter(inventory: inventory).render(now: Date()))
        let labels = try #require(samples.first { $0["name"] as? String == "x509_cert_not_after" }?["labels"] as? [String: String])
        #expect(labels["serial_number"] == "4448206873167010782961")
        #expect(labels["serial_number"] == (try await Self.decimal(ofHex: serialHex)))
        #expect(labels["subject_C"] == "DE")
        #expect(labels["subject_ST"] == "Berlin")
        #expect(labels["subject_O"] == "Example, Inc")
        #expect(labels["subject_OU"] == "Ops")
        // Go's pkix.Name keeps the last CN (CommonName is overwritten), the first of every other field.
        #expect(labels["subject_CN"] == "last.example")
        #expect(labels["issuer_O"] == "Example, Inc")
    }

    @Test func readErrorsCountFilesBrokenNowAndSourcesArePerScanRoot() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-metrics-errors")
        let broken = temp.url.appendingPathComponent("broken"), other = temp.url.appendingPathComponent("other")
        for directory in [broken, other] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        try Data("garbage".utf8).write(to: broken.appendingPathComponent("a.pem"))
        try Data("more garbage".utf8).write(to: broken.appendingPathComponent("b.crt"))
        let inventory = try Inventory(path: temp.file("inventory.sqlite").path)
        func value(_ name: String, _ labels: [String: String] = [:]) async throws -> Double? {
            let samples = try await Self.parseWithPrometheusClient(try MetricsExporter(inventory: inventory, version: "9.9.9").render(now: Date()))
            return samples.first { sample in
                sample["name"] as? String == name
                    && labels.allSatisfy { (sample["labels"] as? [String: String])?[$0.key] == $0.value }
            }?["value"] as? Double
        }
        _ = try FileScanner(inventory: inventory).scan(roots: [broken.path])
        #expect(try await value("x509_read_errors") == 2)
        // An unrelated scan does not make the broken files good.
        _ = try FileScanner(inventory: inventory).scan(roots: [other.path])
        #expect(try await value("x509_read_errors") == 2)
        #expect(try await value("x509_source_up", ["source_kind": "file", "source_name": broken.path]) == 1)
        #expect(try await value("x509_source_up", ["source_name": other.path]) == 1)
        #expect(try await value("x509_source_errors_total", ["source_name": broken.path, "reason": "parse_failed"]) == 2)
        #expect(try await value("x509_source_errors_total", ["source_name": other.path]) == nil)
        #expect(try await value("clm_build_info", ["version": "9.9.9"]) == 1)
        // Fixed files leave the count at the next scan of their directory; a vanished root is down.
        try FileManager.default.removeItem(at: broken.appendingPathComponent("a.pem"))
        _ = try FileScanner(inventory: inventory).scan(roots: [broken.path])
        #expect(try await value("x509_read_errors") == 1)
        #expect(try await value("x509_source_errors_total", ["source_name": broken.path, "reason": "parse_failed"]) == 3)
        try FileManager.default.removeItem(at: other)
        #expect(try await value("x509_source_up", ["source_name": other.path]) == 0)
    }

    @Test func distinguishedNamesReadWithoutBackslashesButKeepControlBytesEscaped() {
        #expect(DistinguishedNameText.readable("C=DE, O=No CN\\, Ltd") == "C=DE, O=No CN, Ltd")
        #expect(DistinguishedNameText.readable("CN=a\\+b + OU=x, O=\\ lead") == "CN=a+b, OU=x, O= lead")
        #expect(DistinguishedNameText.readable("CN=evil\\0A\\1Bx") == "CN=evil\\0A\\1Bx")
        #expect(DistinguishedNameText.exporterFields("O=First, O=Second, CN=one, CN=two") == ["O": "First", "CN": "two"])
    }

    @Test func labelValuesAreEscaped() {
        var text = PrometheusText()
        text.sample("m", labels: [("a", "quote\" back\\slash\nnewline")], value: 1)
        #expect(text.output == "m{a=\"quote\\\" back\\\\slash\\nnewline\"} 1\n")
        // Other controls reach no terminal that reads a scrape: a visible \x1B (its backslash escaped).
        var hostile = PrometheusText()
        hostile.sample("m", labels: [("a", "x\u{1B}[2J\u{7}y")], value: 1)
        #expect(hostile.output == "m{a=\"x\\\\x1B[2J\\\\x07y\"} 1\n", "\(hostile.output)")
    }

    @Test func theServerAnswersMetricsAndRefusesEverythingElse() async throws {
        let fixture = try await ReportFixture.make()
        let server = try MetricsServer(address: "127.0.0.1:0", inventory: fixture.inventory)
        let port = server.port
        let box = UncheckedBox(server)
        let running = StopFlag()
        let thread = Thread { box.value.serve(while: { !running.isStopped }) }
        thread.start()
        defer { running.stop() }
        let metrics = try await TestSupport.run("curl", ["-sS", "-m", "10", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/metrics"], aptPackage: "curl")
        #expect(metrics.stdoutText.hasSuffix("\n200"))
        #expect(metrics.stdoutText.contains("x509_cert_not_after{"))
        let missing = try await TestSupport.run("curl", ["-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"], aptPackage: "curl")
        #expect(missing.stdoutText == "404")
        let post = try await TestSupport.run("curl", ["-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://127.0.0.1:\(port)/metrics"], aptPackage: "curl")
        #expect(post.stdoutText == "405")
    }
}

/// Tells a server thread to stop; the lock guards the flag.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
}

/// Hands a non-Sendable object to one other thread, which alone uses it afterwards.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
