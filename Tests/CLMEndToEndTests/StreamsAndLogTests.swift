import CLMTestSupport
import Foundation
import Testing

/// Issue 13 items 4-7: streams, exit codes, one logger, JSON output.
@Suite(.timeLimit(.minutes(3)))
struct StreamsAndLogTests {
    /// A tree with one good certificate and one file that promises one and holds garbage (a warning).
    static func treeWithAWarning(_ clm: ClmRunner) async throws -> URL {
        let tree = try clm.directory("tree/with/slashes")
        let factory = clm.certificates
        let ca = try await factory.authority("streams-ca")
        try FileManager.default.copyItem(at: ca.certificate, to: tree.appendingPathComponent("ca.pem"))
        try Data("garbage".utf8).write(to: tree.appendingPathComponent("broken.pem"))
        return tree
    }

    @Test("a --quiet scan with only warnings prints nothing on either stream; without --quiet the warning is on stderr")
    func quietRunIsSilent() async throws {
        let clm = try ClmRunner()
        let tree = try await Self.treeWithAWarning(clm)
        let quiet = try await clm.run(["scan", "--quiet", tree.path])
        #expect(quiet.status == 0, "\(quiet.stderrText)")
        #expect(quiet.stdoutText.isEmpty, "stdout: \(quiet.stdoutText)")
        #expect(quiet.stderrText.isEmpty, "stderr: \(quiet.stderrText)")

        let loud = try await clm.run(["scan", tree.path])
        #expect(loud.stderrText.contains("warning: \(tree.path)/broken.pem"))
        #expect(!loud.stdoutText.contains("broken.pem"))
    }

    @Test("shared options work before the command too: clm --quiet --log-format json --db F scan, clm -q inventory list")
    func sharedOptionsBeforeTheCommand() async throws {
        let clm = try ClmRunner()
        let tree = try await Self.treeWithAWarning(clm)
        let db = clm.home.url.appendingPathComponent("elsewhere.sqlite").path
        let json = try await clm.run(["--log-format", "json", "--db", db, "scan", tree.path])
        #expect(json.status == 0, "\(json.stderrText)")
        let line = try #require(json.stderrText.split(separator: "\n").first { $0.contains("broken.pem") })
        #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any], "not JSON: \(line)")
        #expect(FileManager.default.fileExists(atPath: db))
        let quiet = try await clm.run(["--quiet", "--db=\(db)", "scan", tree.path])
        #expect(quiet.status == 0 && quiet.stdoutText.isEmpty && quiet.stderrText.isEmpty, "\(quiet.stdoutText) \(quiet.stderrText)")
        let list = try await clm.run(["-q", "--db", db, "inventory", "list", "--format", "json"])
        #expect(list.status == 0, "\(list.stderrText)")
        #expect((try JSONSerialization.jsonObject(with: Data(list.stdout)) as? [Any])?.count == 1)
        // A command's own option works before it too; one it lacks is named as the unknown one.
        let formatFirst = try await clm.run(["--format", "json", "--db", db, "inventory", "list"])
        #expect(formatFirst.status == 0 && (try? JSONSerialization.jsonObject(with: Data(formatFirst.stdout))) is [Any], "\(formatFirst.stderrText)")
        let unknown = try await clm.run(["--quiet", "--no-such-option", "scan", tree.path])
        #expect(unknown.status == 2)
        #expect(unknown.stderrText.contains("--no-such-option") && !unknown.stderrText.contains("'--quiet'"), "\(unknown.stderrText)")
        // A shared option with no command after it still gets the parser's usage error.
        #expect(try await clm.run(["--quiet"]).status == 2)
    }

    @Test("scanning a path that does not exist is exit 2 naming the path")
    func missingPathIsAnError() async throws {
        let clm = try ClmRunner()
        let missing = clm.home.url.appendingPathComponent("no/such/dir").path
        let result = try await clm.run(["scan", missing])
        #expect(result.status == 2)
        #expect(result.stderrText.contains(missing))
        #expect(result.stderrText.contains("No such file or directory"))
        let config = try await clm.run(["scan", "--nginx", missing + "/nginx.conf"])
        #expect(config.status == 2)
        #expect(config.stderrText.contains("--nginx \(missing)/nginx.conf: No such file or directory"))
    }

    @Test("--log-format json makes every stderr line a JSON object: warnings and the final error too")
    func errorsGoThroughTheJSONLog() async throws {
        let clm = try ClmRunner()
        let tree = try await Self.treeWithAWarning(clm)
        let scan = try await clm.run(["scan", "--log-format", "json", tree.path])
        let missing = try await clm.run(["scan", "--log-format", "json", "/nonexistent/clm-test"])
        let request = try await clm.run(["revoke", "nothing-here", "--log-format", "json"])
        // Commands without an inventory take the log options too.
        let config = try await clm.run(["config", "check", "--config", "/nonexistent/clm.yaml", "--log-format", "json"])
        #expect(missing.status == 2)
        #expect(request.status == 2)
        #expect(config.status == 2)
        var levels: [String] = []
        for result in [scan, missing, request, config] {
            let lines = result.stderrText.split(separator: "\n")
            #expect(!lines.isEmpty)
            for line in lines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
                levels.append(object["level"] as? String ?? "")
                #expect(object["msg"] is String)
                // Slashes stay slashes in JSON output.
                #expect(!line.contains("\\/"), "\(line)")
            }
        }
        #expect(levels.contains("warning"))
        #expect(levels.filter { $0 == "error" }.count == 3)
        #expect(missing.stderrText.contains("/nonexistent/clm-test"))
    }

    @Test("policy check --format json lists the policy's rules")
    func policyCheckJSON() async throws {
        let clm = try ClmRunner()
        let policy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Policies/strict.yaml").path
        let result = try await clm.run(["policy", "check", policy, "--format", "json"])
        #expect(result.status == 0, "\(result.stderrText)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        #expect(object["file"] as? String == policy)
        #expect(((object["rules"] as? [[String: Any]]) ?? []).isEmpty == false)
        #expect(!result.stdoutText.contains("\\/"))
    }

    @Test("config check --format json is one object with the problems, and slashes are not escaped")
    func configCheckJSON() async throws {
        let clm = try ClmRunner()
        let config = clm.home.url.appendingPathComponent("clm.yaml")
        try Data("""
            acme: { server: "https://127.0.0.1:1/dir" }
            hooks:
              deploy: [[/nonexistent/hook]]
            certificates: []
            """.utf8).write(to: config)
        let result = try await clm.run(["config", "check", "--config", config.path, "--format", "json"])
        #expect(result.status == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.contains { ($0["message"] as? String)?.contains("/nonexistent/hook") == true })
        #expect(result.stdoutText.contains("\"/nonexistent/hook does not exist\"") || result.stdoutText.contains("/nonexistent/hook does not exist"))
        #expect(!result.stdoutText.contains("\\/"))

        // A config that does not load still gives the JSON document, its error as the problem.
        try Data("certificates:\n  - name: www\n    domain: [x.example]\n".utf8).write(to: config)
        let broken = try await clm.run(["config", "check", "--config", config.path, "--format", "json"])
        #expect(broken.status == 2)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(broken.stdout)) as? [String: Any], "\(broken.stdoutText)")
        #expect(document["ok"] as? Bool == false)
        let message = try #require((document["problems"] as? [[String: Any]])?.first?["message"] as? String)
        #expect(message.contains("clm.yaml:3") && message.contains("domain"), "\(message)")
    }
}
