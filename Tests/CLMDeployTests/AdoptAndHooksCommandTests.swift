import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// `clm adopt`, `clm hooks list` and `clm hooks test` through the built binary.
@Suite("clm adopt and clm hooks")
struct AdoptAndHooksCommandTests {
    struct Clm {
        let binary: String
        let environment: [String: String]

        init(state: String) throws {
            binary = try ClmBinary.url().path
            var environment = ProcessInfo.processInfo.environment
            environment["CLM_HOME"] = state
            environment.removeValue(forKey: "CLM_CONFIG")
            self.environment = environment
        }

        func callAsFunction(_ arguments: String...) async throws -> CommandResult {
            try await TestSupport.run(binary, arguments, aptPackage: "none", environment: environment)
        }
    }

    static func json(_ result: CommandResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout))
    }

    @Test("a certificate found through an nginx config is adopted into conf.d; the entry validates and renew plans it")
    func adoptFromNginxScan() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-adopt")
        let tls = temp.path + "/tls/shop"
        let fingerprint = try await sets.plainFiles("shop", names: ["shop.example.test", "www.shop.example.test"], in: tls)
        let port = try TestSupport.freePort()
        let nginxConf = temp.path + "/nginx.conf"
        try writeNginxSite(nginxConf, listen: "127.0.0.1:\(port)", serverName: "shop.example.test", tls: tls)
        let configPath = temp.path + "/clm.yaml"
        try "acme: { server: https://127.0.0.1:1/dir }\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let clm = try Clm(state: temp.path + "/state")

        let scan = try await clm("scan", "--nginx", nginxConf, "--format", "json")
        #expect(scan.status == 0, "\(scan.stderrText)")
        let listed = try #require(try Self.json(try await clm("inventory", "list", "--format", "json")) as? [[String: Any]])
        let row = try #require(listed.first { $0["fingerprint_sha256"] as? String == fingerprint })
        let id = try #require(row["id"] as? Int)

        // --print --format json: the proposed entry as one JSON object, slashes unescaped, nothing written.
        let proposal = try await clm("adopt", "\(id)", "--webroot", "/var/www/acme", "--config", configPath, "--print", "--format", "json")
        #expect(proposal.status == 0, "\(proposal.stderrText)")
        #expect(!proposal.stdoutText.contains("\\/"))
        let proposed = try #require(try Self.json(proposal) as? [String: Any])
        #expect(proposed["name"] as? String == "shop.example.test")
        #expect(proposed["written"] as? Bool == false)
        #expect((proposed["yaml"] as? String)?.contains(tls) == true)
        #expect(!FileManager.default.fileExists(atPath: temp.path + "/conf.d/shop.example.test.yaml"))

        let adopt = try await clm("adopt", "\(id)", "--webroot", "/var/www/acme", "--config", configPath)
        #expect(adopt.status == 0, "\(adopt.stdoutText)\(adopt.stderrText)")
        let dropIn = temp.path + "/conf.d/shop.example.test.yaml"
        let text = try String(contentsOfFile: dropIn, encoding: .utf8)
        #expect(text.contains("dir: \"\(tls)\""))
        #expect(text.contains("verify: \"127.0.0.1:\(port)\""))

        let loaded = try ConfigLoader().load(path: configPath)
        let adopted = try #require(loaded.certificate(named: "shop.example.test"))
        #expect(Set(adopted.domains) == ["shop.example.test", "www.shop.example.test"])
        #expect(adopted.keyType == .ecP256)
        #expect(adopted.targets.map(\.path) == [tls])
        #expect(adopted.targets.first?.verify == VerifyEndpoint(host: "127.0.0.1", port: port, serverName: "shop.example.test"))

        let check = try await clm("config", "check", "--config", configPath)
        #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
        let plan = try await clm("renew", "--plan-only", "--due", "60d", "--config", configPath, "--format", "json")
        #expect(plan.status == 0, "\(plan.stderrText)")
        let items = try #require((try Self.json(plan) as? [String: Any])?["plan"] as? [[String: Any]])
        let item = try #require(items.first { $0["name"] as? String == "shop.example.test" })
        // The certificate in service was taken over with its key: it is renewed when due, not at once.
        #expect(item["action"] as? String != "renew", "\(item)")
        #expect(adopt.stdoutText.contains("renews when due"))
        let stored = try String(contentsOfFile: temp.path + "/state/certificates/shop.example.test/cert.pem", encoding: .utf8)
        #expect(stored == (try String(contentsOfFile: tls + "/cert.pem", encoding: .utf8)))
        let storedChain = try String(contentsOfFile: temp.path + "/state/certificates/shop.example.test/chain.pem", encoding: .utf8)
        #expect(storedChain == (try String(contentsOfFile: tls + "/chain.pem", encoding: .utf8)))   // from fullchain.pem, not just the leaf
        let keyMode = try FileManager.default.attributesOfItem(atPath: temp.path + "/state/certificates/shop.example.test/privkey.pem")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)

        // Adopting twice does not overwrite the reviewed entry.
        let again = try await clm("adopt", "\(id)", "--webroot", "/var/www/acme", "--config", configPath)
        #expect(again.status != 0)
        #expect(try String(contentsOfFile: dropIn, encoding: .utf8) == text)
    }

    @Test("`clm hooks list --format json` shows checks, reloads, runtime API and hooks; `clm hooks test` runs them with CLM_HOOK_TEST and reports each")
    func hooksListAndTest() async throws {
        let nginx = try TestSupport.requireTool("nginx", package: "nginx-light")
        let (temp, sets) = try await SetFactory.workspace("clm-hooks-cli")
        let tls = temp.path + "/tls/www"
        _ = try await sets.plainFiles("www", names: ["www.example.test"], in: tls)
        let prefix = temp.path + "/nginx"
        try FileManager.default.createDirectory(atPath: prefix + "/logs", withIntermediateDirectories: true)
        let nginxConf = prefix + "/nginx.conf"
        try """
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log;
            events {}
            http { server { listen 127.0.0.1:\(try TestSupport.freePort()) ssl; ssl_certificate \(tls)/fullchain.pem; ssl_certificate_key \(tls)/privkey.pem; } }
            """.write(toFile: nginxConf, atomically: true, encoding: .utf8)
        let record = temp.path + "/pre-hook.txt"
        let marker = temp.path + "/pwned"
        let preHook = temp.path + "/pre.sh"
        try "#!/bin/sh\nprintf '%s|%s|%s|%s' \"$CLM_CERT_NAME\" \"$CLM_HOOK_TEST\" \"$CLM_PHASE\" \"$1\" > \"\(record)\"\n"
            .write(toFile: preHook, atomically: true, encoding: .utf8)
        chmod(preHook, 0o755)
        let hostile = "$(touch \(marker))"
        let configPath = temp.path + "/clm.yaml"
        try DeployYAML.certificate("www", domains: "www.example.test", deploy: """
                  - { target: nginx, dir: "\(tls)", hook: "\(RepositoryHooks.path("nginx"))",
                      env: { CLM_NGINX: "\(nginx)", CLM_NGINX_CONF: "\(nginxConf)", CLM_NGINX_PREFIX: "\(prefix)" }, verify: "127.0.0.1:443" }
                  - { target: haproxy, path: "\(temp.path)/www.pem", reload: runtime-api, socket: /run/haproxy/admin.sock }
                hooks:
                  pre: ["\(preHook)", "\(hostile)"]
                  deploy: [/bin/false]
            """).write(toFile: configPath, atomically: true, encoding: .utf8)
        let clm = try Clm(state: temp.path + "/state")

        let list = try await clm("hooks", "list", "--config", configPath, "--format", "json")
        #expect(list.status == 0, "\(list.stderrText)")
        let entries = try #require(try Self.json(list) as? [[String: Any]])
        #expect(entries.compactMap { $0["phase"] as? String } == ["check", "reload", "runtime-api", "pre", "deploy"])
        #expect((entries[0]["argv"] as? [String]) == [RepositoryHooks.path("nginx"), "check"])
        #expect((entries[0]["environment"] as? [String: String])?["CLM_NGINX_CONF"] == nginxConf)
        #expect(entries[2]["socket"] as? String == "/run/haproxy/admin.sock")
        #expect((entries[3]["argv"] as? [String]) == [preHook, hostile])

        let test = try await clm("hooks", "test", "www", "--config", configPath)
        #expect(test.status == 1, "the failing deploy hook fails the test run")
        let lines = test.stdoutText.split(separator: "\n").filter { !$0.hasPrefix("  |") }
        #expect(lines.contains { $0.hasPrefix("check: \(RepositoryHooks.path("nginx")) check: ok") }, "\(test.stdoutText)")
        #expect(lines.contains { $0.hasPrefix("pre: ") && $0.contains(": ok in") })
        #expect(lines.contains { $0.hasPrefix("deploy: /bin/false: FAILED") })
        #expect(try String(contentsOfFile: record, encoding: .utf8) == "www|1|pre|\(hostile)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        // `hooks test` checks but never reloads.
        #expect(!lines.contains { $0.hasPrefix("reload:") })
    }
}
