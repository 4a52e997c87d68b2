import Foundation
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// A private HAProxy on 127.0.0.1 serving one `crt` file, with an admin stats
/// socket; run in the foreground so the test owns its PID and kills it by PID.
struct LocalHAProxy {
    let directory: String
    let port: Int
    let config: String
    let socket: String
    let binary: String
    let pid: Int32

    /// - Parameter masterWorker: `-W` (reload by SIGUSR2 to the master) instead of a single process.
    static func start(certificate: String, masterWorker: Bool = false) throws -> LocalHAProxy {
        let binary = try TestSupport.requireTool("haproxy", package: "haproxy")
        let directory = try TestSupport.temporaryDirectory("clm-haproxy")
        let port = try TestSupport.freePort()
        let config = directory + "/haproxy.cfg"
        let socket = directory + "/admin.sock"
        try """
            global
                stats socket \(socket) mode 600 level admin expose-fd listeners
                log stderr format raw local0 err
            defaults
                mode http
                timeout connect 5s
                timeout client 10s
                timeout server 10s
            frontend tls
                bind 127.0.0.1:\(port) ssl crt \(certificate)
                http-request return status 200 content-type text/plain string ok

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = (masterWorker ? ["-W"] : []) + ["-db", "-f", config]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let proxy = LocalHAProxy(directory: directory, port: port, config: config, socket: socket, binary: binary, pid: process.processIdentifier)
        for _ in 0..<600 where !(TestSupport.isListening(port: port) && FileManager.default.fileExists(atPath: socket)) { usleep(50_000) }
        guard TestSupport.isListening(port: port) else {
            proxy.stop()
            throw Unexpected("haproxy did not start on 127.0.0.1:\(port) (config \(config))")
        }
        return proxy
    }

    /// The PID HAProxy reports on its stats socket (`show info`).
    func reportedPID() throws -> Int32? {
        let info = try HAProxyRuntimeAPI(socketPath: socket).send("show info\n")
        for line in info.split(separator: "\n") where line.hasPrefix("Pid:") {
            return Int32(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    func stop() {
        kill(pid, SIGTERM)
        for _ in 0..<40 where kill(pid, 0) == 0 { usleep(50_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The repository's Hooks/ directory.
enum RepositoryHooks {
    static func path(_ name: String, file: StaticString = #filePath) -> String {
        let root = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("Hooks/" + name).path
    }
}

/// A stream of TLS handshakes on a dedicated thread, counting failures and
/// the fingerprints served, until stopped.
final class HandshakeLoop: @unchecked Sendable {
    // Mutable state only under `lock`.
    private let lock = NSLock()
    private var running = true
    private var successes = 0
    private var failures: [String] = []
    private var seen: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(host: String, port: Int, serverName: String) {
        let probe = TLSEndpointProbe(timeout: 5)
        let endpoint = VerifyEndpoint(host: host, port: port, serverName: serverName)
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                do {
                    let fingerprint = try probe.servedFingerprint(endpoint)
                    lock.withLock {
                        successes += 1
                        if seen.last != fingerprint { seen.append(fingerprint) }
                    }
                } catch {
                    lock.withLock { failures.append("\(error)") }
                }
            }
            done.signal()
        }
        thread.name = "handshake-loop"
        thread.start()
    }

    /// Stops the loop and returns (successful handshakes, failures, distinct fingerprints in order).
    func stop() -> (successes: Int, failures: [String], seen: [String]) {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { (successes, failures, seen) }
    }

    var successCount: Int { lock.withLock { successes } }
}
