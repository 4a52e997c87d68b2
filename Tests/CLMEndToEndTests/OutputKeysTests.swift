import CLMTestSupport
import Foundation
import Testing

/// The output types that left the commands (HookCatalog, RenewReport,
/// ReportBuilder, scan summary) keep their documented JSON keys: camelCase
/// properties map to them through CodingKeys.
@Suite struct OutputKeysTests {
    @Test("hooks test, renew --plan-only, report and scan print the documented JSON keys")
    func documentedKeys() async throws {
        let clm = try ClmRunner()
        let config = clm.home.url.appendingPathComponent("clm.yaml").path
        try """
            acme: { server: https://127.0.0.1:1/dir }
            certificates:
              - name: www
                domains: [www.example.test]
                challenge: { type: http-01, webroot: /var/www }
                hooks: { deploy: [[/bin/true]] }
            """.write(toFile: config, atomically: true, encoding: .utf8)

        let trials = try #require(try await clm.json(["hooks", "test", "www", "--config", config, "--format", "json"]) as? [[String: Any]])
        let trial = try #require(trials.first)
        #expect(Set(trial.keys) == ["phase", "argv", "ok", "status", "timed_out", "seconds", "output"], "\(trial.keys.sorted())")
        #expect(trial["timed_out"] as? Bool == false && trial["ok"] as? Bool == true)

        let plan = try #require(try await clm.json(["renew", "--plan-only", "--config", config, "--format", "json"]) as? [String: Any])
        #expect(Set(plan.keys) == ["plan", "seconds"], "\(plan.keys.sorted())")
        let item = try #require((plan["plan"] as? [[String: Any]])?.first)
        #expect(Set(item.keys) == ["name", "action", "reason"], "\(item.keys.sorted())")
        #expect(item["action"] as? String == "renew")

        let html = clm.home.url.appendingPathComponent("report.html").path
        let report = try #require(try await clm.json(["report", "--html", html, "--format", "json"]) as? [String: Any])
        #expect(Set(report.keys) == ["path", "certificates", "findings", "renewals", "generated_at"], "\(report.keys.sorted())")

        let empty = clm.home.url.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let scan = try #require(try await clm.json(["scan", empty, "--format", "json"]) as? [String: Any])
        for key in ["scan_id", "seconds", "files_examined", "files_unchanged", "files_skipped", "certificates_seen", "certificates_new",
                    "keys_seen", "locations_gone", "warnings", "notes"] {
            #expect(scan[key] != nil, "scan summary lacks \(key): \(scan.keys.sorted())")
        }
    }
}
