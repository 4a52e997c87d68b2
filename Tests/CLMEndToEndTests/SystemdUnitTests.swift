import CLMTestSupport
import Foundation
import Testing

/// Issue 13 item 8: the shipped timer unit may write where the docs deploy,
/// and `clm config systemd` writes a drop-in for any other target; both pass
/// `systemd-analyze verify` without a single complaint.
@Suite(.timeLimit(.minutes(2)))
struct SystemdUnitTests {
    static let unitDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Hooks/systemd")

    /// The shipped units in `directory`, with ExecStart pointing at the built binary (verify wants it to exist).
    static func install(into directory: URL, binary: String) throws {
        for name in ["clm-renew.service", "clm-renew.timer"] {
            let text = try String(contentsOf: unitDirectory.appendingPathComponent(name), encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/local/bin/clm", with: binary)
                .write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    static func verify(_ directory: URL) async throws -> CommandResult {
        let tool = try TestSupport.findTool("systemd-analyze", aptPackage: "systemd")
        // Units and drop-ins are looked up in this directory only (the trailing ':' adds the built-in paths for dependencies).
        var environment = ProcessInfo.processInfo.environment
        environment["SYSTEMD_UNIT_PATH"] = directory.path + ":"
        return try await TestSupport.run(tool, ["verify", "--man=no", "clm-renew.service", "clm-renew.timer"], aptPackage: "systemd",
                                         cwd: directory, environment: environment)
    }

    @Test("the shipped unit lets the timer write /etc/nginx and /etc/haproxy and verifies cleanly")
    func shippedUnitAllowsTheDocumentedTargets() async throws {
        let clm = try ClmRunner()
        let units = try clm.directory("units")
        try Self.install(into: units, binary: clm.binary.path)
        let text = try String(contentsOf: units.appendingPathComponent("clm-renew.service"), encoding: .utf8)
        #expect(text.contains("ProtectSystem=full"))
        let writable = text.split(separator: "\n").filter { $0.hasPrefix("ReadWritePaths=") }
            .flatMap { $0.dropFirst("ReadWritePaths=".count).split(separator: " ") }.map { String($0.drop { $0 == "-" }) }
        for documented in ["/etc/nginx", "/etc/haproxy"] {
            #expect(writable.contains(where: { documented.hasPrefix($0) }), "\(documented) is read-only under ProtectSystem=full")
        }
        let result = try await Self.verify(units)
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stderrText.isEmpty, "\(result.stderrText)")
    }

    @Test("clm config systemd writes a drop-in for the config's target directories that systemd accepts")
    func dropInFromTheConfig() async throws {
        let clm = try ClmRunner()
        let units = try clm.directory("units")
        try Self.install(into: units, binary: clm.binary.path)
        let config = clm.home.url.appendingPathComponent("clm.yaml")
        try Data("""
            acme: { server: "https://127.0.0.1:1/dir" }
            certificates:
              - name: www
                domains: [www.example.test]
                challenge: { type: http-01, webroot: "/srv/www/acme 50%" }
                deploy:
                  - { target: nginx, dir: /srv/tls/www, reload: none }
                  - { target: haproxy, path: "/opt/lb certs/www.pem", reload: none }
            """.utf8).write(to: config)
        let dropIn = units.appendingPathComponent("clm-renew.service.d/clm-targets.conf")
        let result = try await clm.run(["config", "systemd", "--config", config.path, "--output", dropIn.path])
        #expect(result.status == 0, "\(result.stderrText)")
        let text = try String(contentsOf: dropIn, encoding: .utf8)
        #expect(text.contains("ReadWritePaths=\"-/srv/tls\""))
        #expect(text.contains("ReadWritePaths=\"-/opt/lb certs\""))
        #expect(text.contains("ReadWritePaths=\"-/srv/www/acme 50%%\""))
        let verify = try await Self.verify(units)
        #expect(verify.status == 0, "\(verify.stderrText)")
        #expect(verify.stderrText.isEmpty, "\(verify.stderrText)")
    }
}
