import Foundation
import Testing
@testable import CLMDeploy
@testable import CLMLifecycle

@Suite("Configuration and due rules")
struct ConfigAndDueTests {
    let good = """
        acme: { server: https://acme.example/dir, email: ops@example.com }
        renew: { due: 30d, concurrency: 2 }
        certificates:
          - name: www
            domains: [example.com, www.example.com]
            key: ec-p256
            challenge: { type: http-01, webroot: /var/www/acme }
            deploy:
              - target: nginx
                dir: /etc/nginx/tls/www
                verify: 127.0.0.1:443
              - target: haproxy
                path: /etc/haproxy/certs/www.pem
                reload: runtime-api
                socket: /run/haproxy/admin.sock
            hooks: { deploy: [/usr/local/bin/notify, --quiet] }
        """

    @Test("a complete config parses into certificates, targets and hooks")
    func goodConfigParses() throws {
        let config = try ConfigLoader().load(yaml: good, file: "clm.yaml")
        #expect(config.renew.dueSeconds == Int64(30 * 86_400))
        let www = try #require(config.certificate(named: "www"))
        #expect(www.domains == ["example.com", "www.example.com"])
        #expect(www.targets.count == 2)
        #expect(www.targets[0].verify == VerifyEndpoint(host: "127.0.0.1", port: 443, serverName: "example.com"))
        #expect(www.targets[1].reload == .haproxyRuntimeAPI(socket: "/run/haproxy/admin.sock"))
        #expect(www.hooks.deploy == [["/usr/local/bin/notify", "--quiet"]])
    }

    @Test("an unknown key is an error naming file, line and key path", arguments: [
        ("    deploy:\n      - target: nginx\n        dir: /x\n        relaod: none\n", 9, "certificates[0].deploy[0].relaod"),
        ("    domain: [a.example]\n", 6, "certificates[0].domain"),
    ])
    func unknownKeyIsNamed(extra: String, line: Int, key: String) throws {
        let yaml = """
            acme: { server: https://acme.example/dir }
            certificates:
              - name: www
                domains: [example.com]
                challenge: { type: http-01, webroot: /var/www }

            """ + extra
        #expect {
            try ConfigLoader().load(yaml: yaml, file: "/etc/clm/clm.yaml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.file == "/etc/clm/clm.yaml" && error.line == line && error.key == key && error.description.contains("unknown key")
        }
    }

    @Test("a runtime-api target without a socket is rejected with its line")
    func runtimeAPINeedsSocket() throws {
        let yaml = good.replacingOccurrences(of: "        socket: /run/haproxy/admin.sock\n", with: "")
        #expect(throws: ConfigError.self) { try ConfigLoader().load(yaml: yaml, file: "c.yaml") }
    }

    @Test("due: --due window, one third of lifetime, one half under 10 days, ARI wins")
    func dueRules() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let end90 = start.addingTimeInterval(90 * 86_400)
        let policy = DuePolicy()
        // 90 days: renews at 30 days left.
        #expect(!policy.decide(issued: true, configChanged: false, notBefore: start, notAfter: end90, ariRenewAt: nil,
                               now: end90.addingTimeInterval(-31 * 86_400)).isDue)
        #expect(policy.decide(issued: true, configChanged: false, notBefore: start, notAfter: end90, ariRenewAt: nil,
                              now: end90.addingTimeInterval(-29 * 86_400)).isDue)
        // 6 days: renews at 3 days left.
        let end6 = start.addingTimeInterval(6 * 86_400)
        #expect(!policy.decide(issued: true, configChanged: false, notBefore: start, notAfter: end6, ariRenewAt: nil,
                               now: end6.addingTimeInterval(-3.5 * 86_400)).isDue)
        #expect(policy.decide(issued: true, configChanged: false, notBefore: start, notAfter: end6, ariRenewAt: nil,
                              now: end6.addingTimeInterval(-2.5 * 86_400)).isDue)
        // --due 60d.
        let due60 = DuePolicy(dueSeconds: 60 * 86_400)
        #expect(due60.decide(issued: true, configChanged: false, notBefore: start, notAfter: end90, ariRenewAt: nil,
                             now: end90.addingTimeInterval(-59 * 86_400)).isDue)
        // ARI window later than the lifetime rule: ARI wins (not due yet).
        let now = end90.addingTimeInterval(-20 * 86_400)
        #expect(!policy.decide(issued: true, configChanged: false, notBefore: start, notAfter: end90,
                               ariRenewAt: now.addingTimeInterval(86_400), now: now).isDue)
        // ARI window reached early: due.
        #expect(policy.decide(issued: true, configChanged: false, notBefore: start, notAfter: end90,
                              ariRenewAt: start.addingTimeInterval(86_400), now: start.addingTimeInterval(2 * 86_400)) == .ariWindow(renewAt: start.addingTimeInterval(86_400)))
        #expect(policy.decide(issued: true, configChanged: true, notBefore: start, notAfter: end90, ariRenewAt: nil, now: start) == .configChanged)
        #expect(policy.decide(issued: false, configChanged: false, notBefore: start, notAfter: end90, ariRenewAt: nil, now: start) == .notIssued)
    }
}
