import CLMTestSupport
import Foundation
import Testing

/// Hosts renewing together on one shared inventory (docs/fleet.md), each a
/// `clm renew` process of its own against one pebble and one PostgreSQL.
@Suite("Fleet renewal: each shared name ordered once across hosts", .serialized, .timeLimit(.minutes(15)))
struct FleetRenewalTests {
    let server: LocalPostgres
    let home: TemporaryDirectory

    init() throws {
        server = try LocalPostgres.start()
        home = try TemporaryDirectory(prefix: "clm-fleet")
    }

    static let hook = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Hooks/dns-pebble-challtestsrv").path

    /// A 32-byte fleet key, mode 0600, shared by every host (`name` another one).
    func fleetKey(_ name: String = "fleet") throws -> String {
        let path = home.path + "/\(name).key"
        if !FileManager.default.fileExists(atPath: path) {
            try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o600)
        }
        return path
    }

    /// Host `host`'s config: the shared names, its own names, a deploy dir per name.
    func config(host: String, shared: [String], own: [String], pebble: Pebble, lease: String = "30s", hook: String? = nil) throws -> String {
        let dir = home.path + "/\(host)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let certificates = (shared + own).map { name in
            """
              - name: \(name)
                domains: [\(name).fleet.test]
                challenge: { type: dns-01, hook: \(hook ?? Self.hook) }
                deploy: [{ target: nginx, dir: \(dir)/tls/\(name), reload: none }]
            """
        }.joined(separator: "\n")
        let path = dir + "/clm.yaml"
        try """
            acme: { server: \(pebble.directoryURL), ca_file: \(pebble.caFile), email: ops@fleet.test }
            hooks: { pass_env: [CLM_CHALLTESTSRV] }
            inventory: { url: "\(server.url())", host_id: \(host), fleet_key: \(try fleetKey()), lease: \(lease), lease_wait: 120s }
            certificates:
            \(certificates)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func renew(host: String, config: String, pebble: Pebble, extra: [String] = []) async throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["CLM_HOME"] = home.path + "/\(host)/state"
        environment["CLM_CHALLTESTSRV"] = pebble.challengeManagementURL
        environment["NO_COLOR"] = "1"
        environment.removeValue(forKey: "CLM_DB")
        return try await TestSupport.run(try ClmBinary.url().path, ["renew", "--config", config] + extra, aptPackage: "none",
                                         environment: environment, timeout: 300)
    }

    /// Certificates issued per name, counted in the shared inventory.
    func issuedCounts() async throws -> [String: Int] {
        let result = try await TestSupport.run("psql", [server.url(), "-tAF", " ", "-c",
                                                        "SELECT certificate_name, count(*) FROM acme_issued GROUP BY 1"],
                                               aptPackage: "postgresql-client")
        var counts: [String: Int] = [:]
        for line in result.stdoutText.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let count = Int(parts[1]) { counts[String(parts[0])] = count }
        }
        return counts
    }

    /// The SHA-256 of the leaf deployed for `name` on `host`.
    func deployedFingerprint(host: String, name: String) async throws -> String? {
        let path = home.path + "/\(host)/tls/\(name)/cert.pem"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try await CertificateFactory(directory: home.url).fingerprint(of: URL(fileURLWithPath: path))
    }

    @Test("20 hosts renewing at once: each of 5 shared names ordered once, every host deploys the same certificate; per-host names once each")
    func twentyHostsAtOnce() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let shared = (1...5).map { "shared\($0)" }
        let hosts = (1...20).map { "host\($0)" }
        var configs: [String: String] = [:]
        for host in hosts { configs[host] = try config(host: host, shared: shared, own: ["own-\(host)"], pebble: pebble) }
        let results = try await withThrowingTaskGroup(of: (String, CommandResult).self) { group in
            for host in hosts {
                let config = configs[host]!
                group.addTask { (host, try await self.renew(host: host, config: config, pebble: pebble)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (host, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result.status == 0, "\(host): \(result.stdoutText)\n\(result.stderrText)")
        }
        let counts = try await issuedCounts()
        for name in shared { #expect(counts[name] == 1, "\(name) ordered \(counts[name] ?? 0) times: \(counts)") }
        for host in hosts { #expect(counts["own-\(host)"] == 1, "own-\(host): \(counts)") }
        for name in shared {
            var fingerprints = Set<String>()
            for host in hosts { fingerprints.insert(try await deployedFingerprint(host: host, name: name) ?? "missing on \(host)") }
            #expect(fingerprints.count == 1, "\(name): \(fingerprints)")
        }
        // A second run changes nothing: nothing is due, nothing is ordered.
        let again = try await renew(host: "host7", config: configs["host7"]!, pebble: pebble)
        #expect(again.status == 0, "\(again.stderrText)")
        #expect(try await issuedCounts() == counts)
    }

    @Test("kill -9 of the lease holder mid-order: another host takes over after the lease expires, one certificate, no half-deployed set")
    func holderKilledMidOrder() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        // Host A's dns-01 hook blocks: A holds the lease, has an order open, and is killed there.
        let marker = home.path + "/a-in-hook"
        let blocking = home.path + "/blocking-hook"
        try "#!/bin/sh\necho $$ > \(marker).tmp && mv \(marker).tmp \(marker)\nexec sleep 120\n".write(toFile: blocking, atomically: true, encoding: .utf8)
        chmod(blocking, 0o755)
        // 30 s: still live when B starts, however slowly B's process comes up on a loaded machine.
        let configA = try config(host: "a", shared: ["web"], own: [], pebble: pebble, lease: "30s", hook: blocking)
        let configB = try config(host: "b", shared: ["web"], own: [], pebble: pebble, lease: "10s")

        var environment = ProcessInfo.processInfo.environment
        environment["CLM_HOME"] = home.path + "/a/state"
        environment["CLM_CHALLTESTSRV"] = pebble.challengeManagementURL
        environment.removeValue(forKey: "CLM_DB")
        let process = Process()
        process.executableURL = try ClmBinary.url()
        process.arguments = ["renew", "--config", configA]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(100)) }
        #expect(FileManager.default.fileExists(atPath: marker), "host A never reached its dns-01 hook")
        kill(process.processIdentifier, SIGKILL)
        // The hook (now `sleep`) was A's child: end it too, by its PID (it holds nothing). Until it ends,
        // Foundation's waitUntilExit waits for the output pipes A shared with it.
        if let text = try? String(contentsOfFile: marker, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        process.waitUntilExit()

        // B starts while A's lease is still live: it waits for the lease to expire, then orders.
        let started = Date()
        let b = try await renew(host: "b", config: configB, pebble: pebble)
        #expect(b.status == 0, "\(b.stdoutText)\n\(b.stderrText)")
        #expect(b.stderrText.contains("waiting for its certificate"), "\(b.stderrText)")
        #expect(Date().timeIntervalSince(started) < 100, "B waited far past A's 30 s lease")
        #expect(try await issuedCounts()["web"] == 1)
        #expect(try await deployedFingerprint(host: "a", name: "web") == nil, "A was killed before any deploy")

        // A's next run (its hook fixed) takes B's certificate instead of ordering.
        let fixedA = try config(host: "a", shared: ["web"], own: [], pebble: pebble, lease: "10s")
        let a = try await renew(host: "a", config: fixedA, pebble: pebble)
        #expect(a.status == 0, "\(a.stdoutText)\n\(a.stderrText)")
        #expect(try await issuedCounts()["web"] == 1)
        let fa = try await deployedFingerprint(host: "a", name: "web"), fb = try await deployedFingerprint(host: "b", name: "web")
        #expect(fa != nil && fa == fb)
    }

    @Test("a host without the fleet key cannot open another host's certificate: a clear failure naming what is missing")
    func hostWithoutFleetKey() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let configA = try config(host: "keyed", shared: ["api"], own: [], pebble: pebble)
        #expect(try await renew(host: "keyed", config: configA, pebble: pebble).status == 0)
        var configB = try String(contentsOfFile: try config(host: "keyless", shared: ["api"], own: [], pebble: pebble), encoding: .utf8)
        configB = configB.replacingOccurrences(of: ", fleet_key: \(try fleetKey())", with: "")
        try configB.write(toFile: home.path + "/keyless/clm.yaml", atomically: true, encoding: .utf8)
        let b = try await renew(host: "keyless", config: home.path + "/keyless/clm.yaml", pebble: pebble)
        #expect(b.status == 1)
        #expect((b.stdoutText + b.stderrText).contains("no fleet key"), "\(b.stdoutText)\n\(b.stderrText)")
        #expect(try await issuedCounts()["api"] == 1, "the keyless host must not order a duplicate")
    }

    @Test("a host that only takes the fleet's certificate needs no ACME account (nor acme.email) and registers none; the one that orders registers one")
    func takingFromTheFleetNeedsNoAccount() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let ordering = try await renew(host: "orderer", config: try config(host: "orderer", shared: ["mx"], own: [], pebble: pebble), pebble: pebble)
        #expect(ordering.status == 0, "\(ordering.stderrText)")
        #expect(ordering.stderrText.contains("registered an ACME account"), "\(ordering.stderrText)")
        // The taking host has no acme.email (nor a stored account): it needs none to take.
        let takerConfig = try config(host: "taker", shared: ["mx"], own: [], pebble: pebble)
        try String(contentsOfFile: takerConfig, encoding: .utf8).replacingOccurrences(of: ", email: ops@fleet.test", with: "")
            .write(toFile: takerConfig, atomically: true, encoding: .utf8)
        let taking = try await renew(host: "taker", config: takerConfig, pebble: pebble)
        #expect(taking.status == 0, "\(taking.stdoutText)\n\(taking.stderrText)")
        #expect(!taking.stderrText.contains("registered an ACME account"), "\(taking.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: home.path + "/taker/state/accounts"), "the taking host stored an account")
        let fo = try await deployedFingerprint(host: "orderer", name: "mx"), ft = try await deployedFingerprint(host: "taker", name: "mx")
        #expect(fo != nil && fo == ft)
        #expect(try await issuedCounts()["mx"] == 1)
    }

    @Test("PostgreSQL stopped mid-run: a clear error naming the shared inventory, the deployed certificate untouched; the next run recovers")
    func databaseStoppedMidRun() async throws {
        var options = Pebble.Options()
        options.environment["PEBBLE_AUTHZREUSE"] = "0"  // every order validates, so the hook runs
        let pebble = try await Pebble.start(options)
        defer { pebble.stop() }
        let first = try config(host: "solo", shared: ["db"], own: [], pebble: pebble)
        #expect(try await renew(host: "solo", config: first, pebble: pebble).status == 0)
        let deployed = try await deployedFingerprint(host: "solo", name: "db")
        #expect(deployed != nil)

        // The next order's dns-01 hook stops PostgreSQL (through the test) before the order completes.
        let stopped = home.path + "/db-stopped", asked = home.path + "/stop-db"
        let hook = home.path + "/stopping-hook"
        try """
            #!/bin/sh
            if [ "$1" = present ]; then
              touch \(asked)
              i=0; while [ ! -e \(stopped) ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
            fi
            exec \(Self.hook) "$@"
            """.write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let second = try config(host: "solo", shared: ["db"], own: [], pebble: pebble, hook: hook)
        let server = self.server
        async let run = renew(host: "solo", config: second, pebble: pebble, extra: ["--force"])
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: asked) { try await Task.sleep(for: .milliseconds(100)) }
        server.stop()
        _ = FileManager.default.createFile(atPath: stopped, contents: nil)
        let broken = try await run
        #expect(broken.status == 1, "\(broken.stdoutText)\n\(broken.stderrText)")
        let said = broken.stdoutText + broken.stderrText
        #expect(said.contains("shared inventory") && said.contains("***") && !said.contains(server.password), "\(said)")
        #expect(try await deployedFingerprint(host: "solo", name: "db") == deployed, "the deployed certificate changed while the inventory was down")

        try server.startServer()
        let recovered = try await renew(host: "solo", config: first, pebble: pebble, extra: ["--force"])
        #expect(recovered.status == 0, "\(recovered.stdoutText)\n\(recovered.stderrText)")
        let now = try await deployedFingerprint(host: "solo", name: "db")
        #expect(now != nil && now != deployed)
        let published = try await TestSupport.run("psql", [server.url(), "-tA", "-c",
            "SELECT fingerprint_sha256 FROM acme_issued WHERE certificate_name = 'db' AND published_token IS NOT NULL ORDER BY published_at DESC LIMIT 1"],
            aptPackage: "postgresql-client")
        #expect(published.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == now)
    }

    @Test("a fleet key others can read is a setup error (exit 2) before any order: nothing is ordered, the message names the file")
    func openFleetKeyOrdersNothing() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let config = try config(host: "lax", shared: ["lax"], own: [], pebble: pebble)
        let key = try fleetKey()
        chmod(key, 0o644)
        defer { chmod(key, 0o600) }
        let result = try await renew(host: "lax", config: config, pebble: pebble)
        #expect(result.status == 2)
        let said = result.stdoutText + result.stderrText
        #expect(said.contains(key) && said.contains("chmod 600"), "\(said)")
        #expect(try await issuedCounts()["lax"] == nil)
    }

    @Test("a host with another fleet key fails the shared name with a reason, and orders nothing")
    func wrongFleetKey() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let first = try config(host: "owner", shared: ["key"], own: [], pebble: pebble)
        #expect(try await renew(host: "owner", config: first, pebble: pebble).status == 0)
        let other = try fleetKey("other")
        var text = try String(contentsOfFile: try config(host: "stranger", shared: ["key"], own: [], pebble: pebble), encoding: .utf8)
        text = text.replacingOccurrences(of: "fleet_key: \(try fleetKey())", with: "fleet_key: \(other)")
        try text.write(toFile: home.path + "/stranger/clm.yaml", atomically: true, encoding: .utf8)
        let result = try await renew(host: "stranger", config: home.path + "/stranger/clm.yaml", pebble: pebble)
        #expect(result.status == 1)
        let said = result.stdoutText + result.stderrText
        #expect(said.contains("key: FAILED") && said.contains("fleet key"), "\(said)")
        #expect(try await issuedCounts()["key"] == 1)
    }
}
