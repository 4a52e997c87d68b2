import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Issue 13 items 1, 2 and 9 through the built `clm`: dry run, preflight
/// before ordering, one hook environment policy.
@Suite("Dry run, preflight and hook environment", .serialized)
struct OpsBehaviourTests {
    /// Runs the `clm` binary with its own state dir and extra environment.
    struct Clm {
        let binary: String
        let environment: [String: String]

        init(state: String, extra: [String: String] = [:]) throws {
            binary = try ClmBinary.url().path
            var environment = ProcessInfo.processInfo.environment
            environment["CLM_HOME"] = state
            environment["NO_COLOR"] = "1"
            environment.removeValue(forKey: "CLM_CONFIG")
            for (key, value) in extra { environment[key] = value }
            self.environment = environment
        }

        func callAsFunction(_ arguments: String...) async throws -> CommandResult {
            try await TestSupport.run(binary, arguments, aptPackage: "none", environment: environment, timeout: 180)
        }
    }

    /// A script that writes its environment to `output` and then runs `then` (if any) with its arguments.
    static func envDumpingHook(_ path: String, output: String, then next: String? = nil) throws -> String {
        var text = "#!/bin/sh\nenv > \"\(output).$$\"\ncat \"\(output).$$\" >> \"\(output)\"\nrm -f \"\(output).$$\"\n"
        if let next { text += "exec \"\(next)\" \"$@\"\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    static func environment(in file: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    // MARK: item 1

    @Test("--dry-run without staging_server never contacts the CA: it plans, preflights, says so and prints 'would deploy'")
    func dryRunWithoutStagingOrdersNothing() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-dry")
        let state = temp.path + "/state"
        let sets = try await SetFactory.make(temp)
        // `old` is issued (in the state dir) but never deployed: a deploy-only item. `new` was never issued: due.
        _ = try await sets.store("old", names: ["old.example.test"], name: "old", stateRoot: state)
        let marker = temp.path + "/hook-ran"
        let config = temp.path + "/clm.yaml"
        // The production CA is unreachable: any attempt to contact it fails the run.
        try """
            acme: { server: "https://127.0.0.1:1/dir", email: ops@example.test }
            certificates:
              - name: old
                domains: [old.example.test]
                challenge: { type: http-01, standalone: { port: 5002 } }
                deploy: [{ target: nginx, dir: \(temp.path)/tls/old, reload: none }]
                hooks: { deploy: [[/bin/touch, \(marker)]] }
              - name: new
                domains: [new.example.test]
                challenge: { type: http-01, standalone: { port: 5002 } }
                deploy: [{ target: nginx, dir: \(temp.path)/tls/new, reload: none }]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let clm = try Clm(state: state)
        let result = try await clm("renew", "--dry-run", "--config", config)
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stdoutText.contains("no acme.staging_server configured, so nothing was ordered"))
        #expect(result.stdoutText.contains("old: would deploy to nginx \(temp.path)/tls/old"))
        #expect(result.stdoutText.contains("new: would order (preflight passed); would deploy to nginx \(temp.path)/tls/new"))
        #expect(!result.stdoutText.contains(": ok"))
        #expect(!FileManager.default.fileExists(atPath: temp.path + "/tls"))
        #expect(!FileManager.default.fileExists(atPath: marker))

        let json = try await clm("renew", "--dry-run", "--config", config, "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        #expect((object["dryRun"] as? [String: Any])?["mode"] as? String == "plan")
    }

    @Test("--dry-run with staging_server orders from staging only, deploys nothing and runs no hooks")
    func dryRunWithStagingOrdersFromStaging() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let temp = try TemporaryDirectory(prefix: "clm-dry-staging")
        let state = temp.path + "/state"
        let marker = temp.path + "/hook-ran"
        let config = temp.path + "/clm.yaml"
        try """
            acme: { server: "https://127.0.0.1:1/dir", staging_server: \(pebble.directoryURL), ca_file: \(pebble.caFile), email: ops@example.test }
            certificates:
              - name: www
                domains: [www.example.test]
                challenge: { type: http-01, standalone: { port: \(pebble.httpPort), address: 127.0.0.1 } }
                deploy: [{ target: nginx, dir: \(temp.path)/tls/www, reload: none }]
                hooks: { deploy: [[/bin/touch, \(marker)]] }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await Clm(state: state)("renew", "--dry-run", "--config", config)
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stdoutText.contains("dry run: ordered from the staging server \(pebble.directoryURL); nothing deployed, no hooks run"))
        #expect(result.stdoutText.contains("dry run: issued by \(pebble.directoryURL), not deployed; would deploy to nginx \(temp.path)/tls/www"))
        #expect(!FileManager.default.fileExists(atPath: temp.path + "/tls/www"))
        #expect(!FileManager.default.fileExists(atPath: marker))
        // The real certificate store is untouched; the staging certificate is kept apart.
        #expect(!FileManager.default.fileExists(atPath: state + "/certificates/www/cert.pem"))
        #expect(FileManager.default.fileExists(atPath: state + "/dry-run/certificates/www/cert.pem"))

        // JSON: the plan's notAfter is the certificate before the run (none yet); the new one's is issuedNotAfter.
        let json = try await Clm(state: state)("renew", "--dry-run", "--config", config, "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let item = try #require((object["plan"] as? [[String: Any]])?.first)
        #expect(item["notAfter"] == nil, "\(item)")
        let issuedNotAfter = try #require(item["issuedNotAfter"] as? String, "\(item)")
        let expiry = try #require(ISO8601DateFormatter().date(from: issuedNotAfter))
        #expect(expiry > Date())
        #expect(item["issuedFingerprint"] is String)
    }

    @Test("a due certificate without a stored account or acme.email is a setup error (exit 2) before any order")
    func noAccountAndNoEmailIsASetupError() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let temp = try TemporaryDirectory(prefix: "clm-no-account")
        let state = temp.path + "/state"
        let config = temp.path + "/clm.yaml"
        try """
            acme: { server: \(pebble.directoryURL), ca_file: \(pebble.caFile) }
            certificates:
              - name: www
                domains: [www.example.test]
                challenge: { type: http-01, standalone: { port: \(pebble.httpPort), address: 127.0.0.1 } }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await Clm(state: state)("renew", "--config", config)
        #expect(result.status == 2, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stderrText.contains("no account for \(pebble.directoryURL)"), "\(result.stderrText)")
        #expect(result.stderrText.contains("acme.email"), "\(result.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: state + "/certificates/www/cert.pem"))
        #expect(!FileManager.default.fileExists(atPath: state + "/accounts"))
    }

    // MARK: item 2

    @Test("preflight finds a missing hook, a non-executable hook, an unusable target dir and a dead runtime-API socket before any order")
    func preflightBeforeOrdering() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let temp = try TemporaryDirectory(prefix: "clm-preflight")
        let state = temp.path + "/state"
        let notExecutable = temp.path + "/hook.sh"
        try "#!/bin/sh\nexit 0\n".write(toFile: notExecutable, atomically: true, encoding: .utf8)
        chmod(notExecutable, 0o644)
        let aFile = temp.path + "/plain-file"
        try "x".write(toFile: aFile, atomically: true, encoding: .utf8)
        let config = temp.path + "/clm.yaml"
        try """
            \(pebbleCertificateYAML(pebble, "hooked", domains: "hooked.example.test"))
                deploy: [{ target: nginx, dir: \(temp.path)/tls/hooked, reload: none }]
                hooks: { deploy: [[/nonexistent/hook], [\(notExecutable)]] }
              - name: nowhere
                domains: [nowhere.example.test]
                challenge: { type: http-01, standalone: { port: \(pebble.httpPort), address: 127.0.0.1 } }
                deploy: [{ target: nginx, dir: \(aFile)/tls, reload: none }]
              - name: swap
                domains: [swap.example.test]
                challenge: { type: http-01, standalone: { port: \(pebble.httpPort), address: 127.0.0.1 } }
                deploy: [{ target: haproxy, path: \(temp.path)/swap.pem, reload: runtime-api, socket: \(temp.path)/no-such.sock }]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let clm = try Clm(state: state)

        let check = try await clm("config", "check", "--config", config)
        #expect(check.status == 2, "\(check.stdoutText)\(check.stderrText)")
        for expected in ["/nonexistent/hook does not exist", "\(notExecutable) is not executable", "\(aFile) is not a directory",
                         "HAProxy runtime API on \(temp.path)/no-such.sock"] {
            #expect(check.stdoutText.contains(expected), "missing '\(expected)' in \(check.stdoutText)")
        }

        let renew = try await clm("renew", "--config", config)
        #expect(renew.status == 1)
        for name in ["hooked", "nowhere", "swap"] {
            #expect(renew.stdoutText.contains("\(name): FAILED: preflight:"), "\(renew.stdoutText)")
            // Nothing was ordered: no key, no order, no certificate for it.
            #expect(!FileManager.default.fileExists(atPath: state + "/certificates/\(name)"), "\(name) was ordered")
        }
    }

    @Test("a config test shared by several certificates runs once, and its failure stops each of them")
    func sharedCheckFailsEveryUser() throws {
        let temp = try TemporaryDirectory(prefix: "clm-preflight-shared")
        let counter = temp.path + "/runs"
        let check = temp.path + "/check"
        try "#!/bin/sh\necho run >> \"\(counter)\"\necho 'emerg: broken' >&2\nexit 1\n".write(toFile: check, atomically: true, encoding: .utf8)
        chmod(check, 0o755)
        var certificates: [ManagedCertificate] = []
        for name in ["a", "b"] {
            let dir = temp.path + "/tls/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            certificates.append(ManagedCertificate(name: name, domains: ["\(name).example.test"], challenge: .standalone(address: "127.0.0.1", port: 5002),
                                                   targets: [DeployTarget(kind: .directory(dir), label: "nginx", reload: .command(check: [check], reload: ["/bin/true"]))]))
        }
        let problems = Preflight(config: ClmConfig(acme: nil, certificates: certificates)).problems(certificates)
        #expect(Set(problems.compactMap(\.certificate)) == ["a", "b"])
        #expect(problems.allSatisfy { $0.message.contains("config test failed") && $0.message.contains("emerg: broken") })
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "run\n")
    }

    @Test("clm hooks test tries the runtime-API socket: a live HAProxy is ok, a wrong socket fails")
    func hooksTestTriesTheRuntimeAPISocket() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-hooks-socket")
        let pem = temp.path + "/site.pem"
        _ = try await sets.plainFiles("site", names: ["site.example.test"], in: temp.path + "/bootstrap")
        let combined = try String(contentsOfFile: temp.path + "/bootstrap/privkey.pem", encoding: .utf8)
            + String(contentsOfFile: temp.path + "/bootstrap/fullchain.pem", encoding: .utf8)
        try combined.write(toFile: pem, atomically: true, encoding: .utf8)
        let haproxy = try LocalHAProxy.start(certificate: pem)
        defer { haproxy.stop() }
        let config = temp.path + "/clm.yaml"
        try """
            acme: { server: "https://127.0.0.1:1/dir" }
            certificates:
              - name: live
                domains: [site.example.test]
                challenge: { type: http-01, standalone: { port: 5002 } }
                deploy: [{ target: haproxy, path: \(pem), reload: runtime-api, socket: \(haproxy.socket) }]
              - name: wrong
                domains: [site.example.test]
                challenge: { type: http-01, standalone: { port: 5002 } }
                deploy: [{ target: haproxy, path: \(temp.path)/other.pem, reload: runtime-api, socket: \(temp.path)/wrong.sock }]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let clm = try Clm(state: temp.path + "/state")
        let live = try await clm("hooks", "test", "live", "--config", config)
        #expect(live.status == 0, "\(live.stdoutText)\(live.stderrText)")
        #expect(live.stdoutText.contains("runtime-api: \(haproxy.socket): ok"))
        let wrong = try await clm("hooks", "test", "wrong", "--config", config)
        #expect(wrong.status == 1)
        #expect(wrong.stdoutText.contains("runtime-api: \(temp.path)/wrong.sock: FAILED"))
        let json = try await clm("hooks", "test", "wrong", "--config", config, "--format", "json")
        #expect(json.status == 1)
        let tried = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [[String: Any]])
        #expect(tried.count == 1)
        #expect(tried.first?["socket"] as? String == temp.path + "/wrong.sock")
        #expect(tried.first?["ok"] as? Bool == false)
    }

    // MARK: item 9

    @Test("dns-01 and deploy hooks get one environment: pass_env names, CLM_*, certbot and lego aliases, nothing else")
    func oneEnvironmentPolicyForEveryHook() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let temp = try TemporaryDirectory(prefix: "clm-hook-env")
        let state = temp.path + "/state"
        let dnsEnv = temp.path + "/dns.env", deployEnv = temp.path + "/deploy.env"
        let realHook = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Hooks/dns-pebble-challtestsrv").path
        let dnsHook = try Self.envDumpingHook(temp.path + "/dns-hook", output: dnsEnv, then: realHook)
        let deployHook = try Self.envDumpingHook(temp.path + "/deploy-hook", output: deployEnv)
        let target = temp.path + "/tls/www"
        let config = temp.path + "/clm.yaml"
        try """
            acme: { server: \(pebble.directoryURL), ca_file: \(pebble.caFile), email: ops@example.test }
            hooks:
              pass_env: [CLM_CHALLTESTSRV, CLOUD_API_TOKEN]
            certificates:
              - name: www
                domains: [www.example.test, example.test]
                challenge: { type: dns-01, hook: \(dnsHook) }
                deploy: [{ target: nginx, dir: \(target), reload: none }]
                hooks: { deploy: [[\(deployHook)]] }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let clm = try Clm(state: state, extra: ["CLM_CHALLTESTSRV": pebble.challengeManagementURL, "CLOUD_API_TOKEN": "token-123",
                                                "CLM_TEST_SECRET_NOT_PASSED": "must-not-leak"])
        let result = try await clm("renew", "--quiet", "--config", config)
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        // A successful --quiet run (cron) prints nothing at all.
        #expect(result.stdoutText.isEmpty && result.stderrText.isEmpty, "\(result.stdoutText)\(result.stderrText)")

        let dns = try Self.environment(in: dnsEnv)
        #expect(dns["CLOUD_API_TOKEN"] == "token-123")
        #expect(dns["CLM_CHALLTESTSRV"] == pebble.challengeManagementURL)
        #expect(dns["CLM_TEST_SECRET_NOT_PASSED"] == nil, "the dns-01 hook inherited clm's whole environment")
        #expect(["www.example.test", "example.test"].contains(dns["CERTBOT_DOMAIN"] ?? ""))
        #expect(dns["CERTBOT_VALIDATION"] == dns["CLM_RECORD_VALUE"] && dns["CERTBOT_VALIDATION"] != nil)

        let deploy = try Self.environment(in: deployEnv)
        #expect(deploy["CLOUD_API_TOKEN"] == "token-123")
        #expect(deploy["CLM_TEST_SECRET_NOT_PASSED"] == nil)
        #expect(deploy["RENEWED_LINEAGE"] == target)
        #expect(deploy["RENEWED_DOMAINS"] == "www.example.test example.test")
        #expect(deploy["LEGO_CERT_DOMAIN"] == "www.example.test")
        #expect(deploy["LEGO_CERT_PATH"] == target + "/fullchain.pem")
        #expect(deploy["LEGO_CERT_KEY_PATH"] == target + "/privkey.pem")
        // certbot hooks read the lineage's files by name.
        for name in ["cert.pem", "privkey.pem", "fullchain.pem", "chain.pem"] {
            #expect(FileManager.default.fileExists(atPath: (deploy["RENEWED_LINEAGE"] ?? "") + "/" + name))
        }
    }

    @Test("pass_env rejects what is not a variable name and CLM_CRASH_AT, naming file and line")
    func passEnvIsValidated() throws {
        #expect(throws: ConfigError.self) {
            try ConfigLoader().load(yaml: "hooks: { pass_env: [CLM_CRASH_AT] }\n", file: "clm.yaml")
        }
        do {
            _ = try ConfigLoader().load(yaml: "acme: { server: https://x.test/dir }\nhooks:\n  pass_env: [\"A B\"]\n", file: "clm.yaml")
            Issue.record("accepted 'A B'")
        } catch {
            #expect("\(error)".contains("clm.yaml:3"))
            #expect("\(error)".contains("'A B' is not an environment variable name"))
        }
    }
}
