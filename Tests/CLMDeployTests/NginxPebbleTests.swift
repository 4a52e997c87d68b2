import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// A private nginx on 127.0.0.1 (prefix dir, pid file), killed by PID.
struct LocalNginx {
    let prefix: String
    let port: Int
    let config: String
    let binary: String

    static func start(certificateDirectory: String) throws -> LocalNginx {
        let binary = try TestSupport.requireTool("nginx", package: "nginx-light")
        let prefix = try TestSupport.temporaryDirectory("clm-nginx")
        let port = try TestSupport.freePort()
        let config = prefix + "/nginx.conf"
        let text = """
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(prefix)/body; proxy_temp_path \(prefix)/proxy; fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi; scgi_temp_path \(prefix)/scgi;
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(certificateDirectory)/fullchain.pem;
                    ssl_certificate_key \(certificateDirectory)/privkey.pem;
                    return 200 "ok";
                }
            }
            """
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let nginx = LocalNginx(prefix: prefix, port: port, config: config, binary: binary)
        // In the foreground (daemon off): the test owns the master's PID and kills it by PID.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", prefix, "-c", config, "-g", "daemon off;"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 where !TestSupport.isListening(port: port) { usleep(50_000) }
        guard TestSupport.isListening(port: port) else {
            kill(process.processIdentifier, SIGKILL)
            throw Unexpected("nginx did not start: " + ((try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? ""))
        }
        return nginx
    }

    var checkArgv: [String] { [binary, "-p", prefix, "-c", config, "-t"] }
    var reloadArgv: [String] { [binary, "-p", prefix, "-c", config, "-s", "reload"] }

    func stop() {
        if let text = try? String(contentsOfFile: prefix + "/nginx.pid", encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGTERM)
            for _ in 0..<40 where kill(pid, 0) == 0 { usleep(50_000) }
        }
        try? FileManager.default.removeItem(atPath: prefix)
    }
}

@Suite("Renew and deploy with pebble and nginx", .serialized)
struct NginxPebbleTests {
    func config(pebble: Pebble, nginx: LocalNginx, target: String) -> String {
        func list(_ argv: [String]) -> String { "[" + argv.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        return """
            \(pebbleCertificateYAML(pebble, "www", domains: "www.example.test"))
                deploy:
                  - target: nginx
                    dir: \(target)
                    check: \(list(nginx.checkArgv))
                    reload: \(list(nginx.reloadArgv))
                    verify: 127.0.0.1:\(nginx.port)
            """
    }

    @Test("renew issues from pebble, deploys to nginx and nginx serves it; a broken nginx config is found by preflight before any order and the old certificate stays served")
    func issueDeployServeAndRollBack() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let (temp, sets) = try await SetFactory.workspace("clm-renew")
        let target = temp.path + "/tls/www"
        let bootstrap = try await sets.plainFiles("bootstrap", names: ["www.example.test"], in: target)
        let nginx = try LocalNginx.start(certificateDirectory: target)
        defer { nginx.stop() }
        let probe = TLSEndpointProbe()
        let endpoint = VerifyEndpoint(host: "127.0.0.1", port: nginx.port, serverName: "www.example.test")
        #expect(try probe.settledFingerprint(endpoint, expecting: bootstrap) == bootstrap)

        let state = temp.path + "/state"
        let configPath = temp.path + "/clm.yaml"
        try config(pebble: pebble, nginx: nginx, target: target).write(toFile: configPath, atomically: true, encoding: .utf8)
        let loaded = try ConfigLoader().load(path: configPath)
        let renewer = Renewer(config: loaded, stateRoot: state, inventoryPath: state + "/inventory.sqlite")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)

        let first = try await renewer.run(Renewer.Options())
        #expect(first.failures.isEmpty, "\(first.failures.map { $0.error ?? "" })")
        let issued = try #require(first.outcomes.first?.issuedFingerprint)
        #expect(first.outcomes.first?.deployed == true)
        #expect(try probe.settledFingerprint(endpoint, expecting: issued) == issued)

        // Not due any more: a second run does nothing.
        let second = try await renewer.run(Renewer.Options())
        #expect(second.plan.first?.action == Renewer.Action.none)

        // Break nginx's config, force a renewal: preflight's `nginx -t` fails before anything is ordered.
        let good = try String(contentsOfFile: nginx.config, encoding: .utf8)
        try good.replacingOccurrences(of: "access_log off;", with: "access_log off; this_is_not_a_directive;")
            .write(toFile: nginx.config, atomically: true, encoding: .utf8)
        var force = Renewer.Options()
        force.due = DuePolicy(force: true)
        let broken = try await renewer.run(force)
        let failure = try #require(broken.failures.first)
        #expect(failure.error?.contains("preflight") == true, "\(failure.error ?? "")")
        #expect(failure.error?.contains("config test failed") == true)
        #expect(failure.issuedFingerprint == nil, "ordered although preflight failed")
        #expect(try probe.settledFingerprint(endpoint, expecting: issued) == issued)
        #expect(try servedDirectorySet(target) == issued)

        // Fixed config: the forced renewal goes through and nginx serves the new certificate.
        try good.write(toFile: nginx.config, atomically: true, encoding: .utf8)
        let repaired = try await renewer.run(force)
        #expect(repaired.failures.isEmpty, "\(repaired.failures.map { $0.error ?? "" })")
        let latest = try #require(repaired.outcomes.first?.issuedFingerprint)
        #expect(latest != issued)
        #expect(try probe.settledFingerprint(endpoint, expecting: latest) == latest)
    }

    @Test("two concurrent `clm renew` runs issue once; the second says the lock is held")
    func concurrentRenewsIssueOnce() async throws {
        let binary = try ClmBinary.url()
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let temp = try TemporaryDirectory(prefix: "clm-renew2")
        let state = temp.path + "/state"
        let configPath = temp.path + "/clm.yaml"
        try """
            \(pebbleCertificateYAML(pebble, "api", domains: "api.example.test"))
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment.merging(["CLM_HOME": state]) { _, new in new }
        async let a = TestSupport.run(binary.path, ["renew", "--config", configPath], aptPackage: "none", environment: environment)
        async let b = TestSupport.run(binary.path, ["renew", "--config", configPath], aptPackage: "none", environment: environment)
        let results = try await [a, b]
        let issuedRuns = results.filter { $0.stdoutText.contains("issued") }
        #expect(issuedRuns.count == 1, "\(results.map { $0.stdoutText + $0.stderrText })")
        let locked = results.filter { $0.status == 1 && $0.stderrText.contains("another clm renew") }
        let notDue = results.filter { $0.status == 0 && !$0.stdoutText.contains("issued") }
        #expect(locked.count + notDue.count == 1)
    }
}
