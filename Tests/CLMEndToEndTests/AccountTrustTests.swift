import CLMTestSupport
import Foundation
import Testing

/// Issue 13 items 3 and 7: the account keeps its trust settings, a forgotten
/// account is registered again once, and results come as JSON on request.
@Suite(.timeLimit(.minutes(4)))
struct AccountTrustTests {
    static func object(_ result: CommandResult) throws -> Any {
        #expect(!result.stdoutText.contains("\\/"), "escaped slash in \(result.stdoutText)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout))
    }

    @Test("request and revoke reuse the --ca-file given at register; an account the CA forgot is registered again once")
    func trustSettingsStayWithTheAccount() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let clm = try ClmRunner()
        let register = try await clm.run(["account", "register", "--server", pebble.directoryURL, "--ca-file", pebble.caFile,
                                          "--email", "ops@example.test", "--format", "json"])
        #expect(register.status == 0, "\(register.stderrText)")
        let account = try #require(try Self.object(register) as? [String: Any])
        #expect(account["created"] as? Bool == true)
        #expect(account["ca_file"] as? String == pebble.caFile)
        #expect((account["account_url"] as? String)?.hasPrefix("https://127.0.0.1:") == true)

        // No --server, no --ca-file: both come from the stored account.
        let standalone = ["--challenge", "http-01", "--standalone", "--http-port", String(pebble.httpPort), "--http-address", "127.0.0.1"]
        let request = try await clm.run(["request", "www", "--domains", "www.example.test", "--format", "json"] + standalone)
        #expect(request.status == 0, "\(request.stderrText)")
        let issued = try #require(try Self.object(request) as? [[String: Any]])
        #expect(issued.first?["issued"] as? Bool == true)
        #expect((issued.first?["directory"] as? String)?.hasSuffix("/certificates/www") == true)

        // The CA forgets the account (as a restarted pebble does): a new key it has never seen stands in for that.
        let accounts = clm.home.url.appendingPathComponent("state/accounts")
        let slug = try #require(try FileManager.default.contentsOfDirectory(atPath: accounts.path).first)
        let keyPath = accounts.appendingPathComponent(slug + "/account.key").path
        _ = try await TestSupport.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyPath])
        let again = try await clm.run(["request", "www", "--domains", "www.example.test"] + standalone)
        #expect(again.status == 0, "\(again.stderrText)")
        #expect(again.stderrText.contains("no longer knew the stored account (accountDoesNotExist); registered a new one"))
        // Once: the new account is known now, so the next run does not register again.
        let third = try await clm.run(["request", "www", "--domains", "www.example.test"] + standalone)
        #expect(third.status == 0, "\(third.stderrText)")
        #expect(!third.stderrText.contains("registered a new one"))

        let revoke = try await clm.run(["revoke", "www", "--format", "json"])
        #expect(revoke.status == 0, "\(revoke.stderrText)")
        let revoked = try #require(try Self.object(revoke) as? [String: Any])
        #expect(revoked["revoked"] as? Bool == true)
        #expect(revoked["name"] as? String == "www")
    }

    @Test("clm report prints its summary as JSON")
    func reportSummaryAsJSON() async throws {
        let clm = try ClmRunner()
        let html = clm.home.url.appendingPathComponent("out/report.html").path
        try FileManager.default.createDirectory(atPath: clm.home.url.appendingPathComponent("out").path, withIntermediateDirectories: true)
        let result = try await clm.run(["report", "--html", html, "--format", "json"])
        #expect(result.status == 0, "\(result.stderrText)")
        let summary = try #require(try Self.object(result) as? [String: Any])
        #expect(summary["path"] as? String == html)
        #expect(summary["certificates"] as? Int == 0)
        #expect(summary["generated_at"] is String)
    }
}
