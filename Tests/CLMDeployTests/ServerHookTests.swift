import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Hooks/nginx and Hooks/haproxy against real servers on loopback, and the
/// HAProxy runtime-API swap under a stream of handshakes.
@Suite("nginx and HAProxy hooks with real servers", .serialized)
struct ServerHookTests {
    @Test("`hook:` in the config resolves next to the config file and becomes the target's check and reload")
    func hookKeyBecomesCheckAndReload() throws {
        let yaml = DeployYAML.certificate("www", domains: "www.example.test", deploy: """
                  - { target: nginx, dir: /etc/nginx/tls/www, hook: Hooks/nginx, env: { CLM_NGINX_CONF: /etc/nginx/nginx.conf } }
                  - { target: haproxy, path: /etc/haproxy/certs/www.pem, reload: command, hook: /usr/lib/clm/hooks/haproxy }
            """)
        let config = try ConfigLoader().load(yaml: yaml, file: "/srv/clm/clm.yaml")
        let targets = try #require(config.certificate(named: "www")).targets
        #expect(targets[0].reload == .command(check: ["/srv/clm/Hooks/nginx", "check"], reload: ["/srv/clm/Hooks/nginx", "reload"]))
        #expect(targets[0].environment == ["CLM_NGINX_CONF": "/etc/nginx/nginx.conf"])
        #expect(targets[1].reload == .command(check: ["/usr/lib/clm/hooks/haproxy", "check"], reload: ["/usr/lib/clm/hooks/haproxy", "reload"]))
        let bad = yaml.replacingOccurrences(of: "CLM_NGINX_CONF", with: "LD_PRELOAD")
        #expect(throws: ConfigError.self) { try ConfigLoader().load(yaml: bad, file: "/srv/clm/clm.yaml") }
    }

    @Test("Hooks/nginx checks and reloads a real nginx; a broken nginx config fails the check and the set is rolled back")
    func nginxHook() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-nginx-hook")
        let target = temp.path + "/tls/www"
        let bootstrap = try await sets.plainFiles("bootstrap", names: ["www.example.test"], in: target)
        let nginx = try LocalNginx.start(certificateDirectory: target)
        defer { nginx.stop() }
        let state = temp.path + "/state"
        let env = ["CLM_NGINX": nginx.binary, "CLM_NGINX_CONF": nginx.config, "CLM_NGINX_PREFIX": nginx.prefix]
        let yaml = DeployYAML.certificate("www", domains: "www.example.test", deploy: """
                  - { target: nginx, dir: "\(target)", hook: "\(RepositoryHooks.path("nginx"))", env: \(DeployYAML.map(env)), verify: "127.0.0.1:\(nginx.port)" }
            """)
        let certificate = try loadCertificate(yaml, in: temp, named: "www")
        let probe = TLSEndpointProbe()
        let endpoint = VerifyEndpoint(host: "127.0.0.1", port: nginx.port, serverName: "www.example.test")
        #expect(try probe.settledFingerprint(endpoint, expecting: bootstrap) == bootstrap)

        let deployer = Deployer(stateRoot: state)
        let (new, material) = try await sets.stored("new", names: ["www.example.test"], name: "www", stateRoot: state)
        let first = await deployer.deployOnThread([.init(certificate: certificate, material: material)])
        #expect(first.first?.succeeded == true, "\(first.first?.error?.description ?? "")")
        #expect(try probe.settledFingerprint(endpoint, expecting: new) == new)

        // Broken config: `nginx -t` in the hook fails, the set goes back, the served certificate stays.
        let good = try String(contentsOfFile: nginx.config, encoding: .utf8)
        try good.replacingOccurrences(of: "access_log off;", with: "access_log off; not_a_directive;")
            .write(toFile: nginx.config, atomically: true, encoding: .utf8)
        guard try await sets.deployNewerRefusedByCheck(certificate, deployer: deployer, state: state) else { return }
        #expect(try servedDirectorySet(target) == new)
        #expect(try probe.settledFingerprint(endpoint, expecting: new) == new)
    }

    @Test("Hooks/haproxy checks with `haproxy -c` and reloads a master-worker HAProxy by SIGUSR2")
    func haproxyHook() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-haproxy-hook")
        let bootstrapDir = temp.path + "/bootstrap"
        let bootstrap = try await sets.plainFiles("bootstrap", names: ["www.example.test"], in: bootstrapDir)
        let crt = temp.path + "/certs/www.pem"
        try FileManager.default.createDirectory(atPath: temp.path + "/certs", withIntermediateDirectories: true)
        let combined = try Data(contentsOf: URL(fileURLWithPath: bootstrapDir + "/privkey.pem")) + Data(contentsOf: URL(fileURLWithPath: bootstrapDir + "/fullchain.pem"))
        try combined.write(to: URL(fileURLWithPath: crt))
        let haproxy = try LocalHAProxy.start(certificate: crt, masterWorker: true)
        defer { haproxy.stop() }
        let state = temp.path + "/state"
        let env = ["CLM_HAPROXY": haproxy.binary, "CLM_HAPROXY_CFG": haproxy.config, "CLM_HAPROXY_PID": "\(haproxy.pid)"]
        let yaml = DeployYAML.certificate("www", domains: "www.example.test", deploy: """
                  - { target: haproxy, path: "\(crt)", reload: command, hook: "\(RepositoryHooks.path("haproxy"))", env: \(DeployYAML.map(env)), verify: "127.0.0.1:\(haproxy.port)" }
            """)
        let certificate = try loadCertificate(yaml, in: temp, named: "www")
        let probe = TLSEndpointProbe()
        let endpoint = VerifyEndpoint(host: "127.0.0.1", port: haproxy.port, serverName: "www.example.test")
        #expect(try probe.settledFingerprint(endpoint, expecting: bootstrap) == bootstrap)

        let (new, material) = try await sets.stored("new", names: ["www.example.test"], name: "www", stateRoot: state)
        let reports = await Deployer(stateRoot: state).deployOnThread([.init(certificate: certificate, material: material)])
        #expect(reports.first?.succeeded == true, "\(reports.first?.error?.description ?? "")")
        #expect(try probe.settledFingerprint(endpoint, expecting: new) == new)
        #expect(kill(haproxy.pid, 0) == 0, "the master keeps running across the reload")

        // A config HAProxy rejects: the check fails, the previous PEM is restored, nothing is reloaded.
        let good = try String(contentsOfFile: haproxy.config, encoding: .utf8)
        try (good + "frontend broken\n    not_a_keyword\n").write(toFile: haproxy.config, atomically: true, encoding: .utf8)
        guard try await sets.deployNewerRefusedByCheck(certificate, deployer: Deployer(stateRoot: state), state: state) else { return }
        #expect(try servedCombined(crt) == new)
        #expect(try probe.settledFingerprint(endpoint, expecting: new) == new)
    }

    @Test("`clm deploy` swaps HAProxy's certificate over the runtime API with no failed handshake and no restart")
    func runtimeAPIHitlessSwap() async throws {
        let binary = try ClmBinary.url()
        let (temp, sets) = try await SetFactory.workspace("clm-haproxy-api")
        let bootstrapDir = temp.path + "/bootstrap"
        let old = try await sets.plainFiles("old", names: ["www.example.test"], in: bootstrapDir)
        let crt = temp.path + "/certs/www.pem"
        try FileManager.default.createDirectory(atPath: temp.path + "/certs", withIntermediateDirectories: true)
        let combined = try Data(contentsOf: URL(fileURLWithPath: bootstrapDir + "/privkey.pem")) + Data(contentsOf: URL(fileURLWithPath: bootstrapDir + "/fullchain.pem"))
        try combined.write(to: URL(fileURLWithPath: crt))
        let haproxy = try LocalHAProxy.start(certificate: crt)
        defer { haproxy.stop() }
        let pidBefore = try haproxy.reportedPID()
        #expect(pidBefore == haproxy.pid)

        let state = temp.path + "/state"
        let new = try await sets.store("new", names: ["www.example.test"], name: "www", stateRoot: state)
        let configPath = temp.path + "/clm.yaml"
        try DeployYAML.certificate("www", domains: "www.example.test", deploy: """
                  - { target: haproxy, path: "\(crt)", reload: runtime-api, socket: "\(haproxy.socket)", verify: "127.0.0.1:\(haproxy.port)" }
            """).write(toFile: configPath, atomically: true, encoding: .utf8)

        let loop = HandshakeLoop(host: "127.0.0.1", port: haproxy.port, serverName: "www.example.test")
        // Waits are bounded by a deadline (not a count of sleeps) and must be met: a slow machine waits longer.
        try await Self.wait(until: { loop.successCount >= 20 }, "20 handshakes before the deploy")
        var environment = ProcessInfo.processInfo.environment
        environment["CLM_HOME"] = state
        let run = try await TestSupport.run(binary.path, ["deploy", "www", "--config", configPath], aptPackage: "none", environment: environment)
        let afterDeploy = loop.successCount
        try await Self.wait(until: { loop.successCount >= afterDeploy + 20 }, "20 handshakes after the deploy")
        let result = loop.stop()

        #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")
        #expect(result.failures.isEmpty, "\(result.failures.count) failed handshakes: \(result.failures.prefix(3))")
        #expect(result.seen.first == old)
        #expect(result.seen.last == new)
        #expect(result.seen.count == 2, "the served certificate flipped once, old to new")
        #expect(result.successes >= 40)
        #expect(try servedCombined(crt) == new)
        #expect(try haproxy.reportedPID() == pidBefore, "no restart: HAProxy's PID is unchanged")
        #expect(kill(haproxy.pid, 0) == 0)
    }

    /// Polls `condition` every 10 ms for up to 60 s; fails the test naming `what` if it never holds.
    static func wait(until condition: () -> Bool, _ what: String) async throws {
        let deadline = Date().addingTimeInterval(60)
        while !condition() {
            guard Date() < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }
}
