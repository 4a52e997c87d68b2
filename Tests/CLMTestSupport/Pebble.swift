internal import Foundation

/// A private pebble (+ pebble-challtestsrv for DNS) on free loopback ports,
/// started by a test and killed by PID when it ends.
///
/// pebble resolves every name through the challtestsrv, which answers
/// 127.0.0.1 for all A queries, so http-01 validation connects to
/// 127.0.0.1:``httpPort`` (where the test's solver must listen).
public final class Pebble: Sendable {
    public struct Options: Sendable {
        public var environment: [String: String] = ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"]
        /// kid → base64url HMAC key; non-empty turns EAB on (required).
        public var eabKeys: [String: String] = [:]
        public var certificateValiditySeconds: Int?

        public init() {}
    }

    public let directory: String
    public let listenPort: Int
    public let managementPort: Int
    public let httpPort: Int
    public let tlsPort: Int
    public let dnsPort: Int
    public let challengeManagementPort: Int
    public let pebblePID: Int32
    public let challtestsrvPID: Int32

    /// Trust anchor for pebble's HTTPS listener.
    public var caFile: String { directory + "/ca.pem" }
    public var directoryURL: String { "https://127.0.0.1:\(listenPort)/dir" }
    public var challengeManagementURL: String { "http://127.0.0.1:\(challengeManagementPort)" }

    private init(directory: String, listenPort: Int, managementPort: Int, httpPort: Int, tlsPort: Int, dnsPort: Int,
                 challengeManagementPort: Int, pebblePID: Int32, challtestsrvPID: Int32) {
        self.directory = directory
        self.listenPort = listenPort
        self.managementPort = managementPort
        self.httpPort = httpPort
        self.tlsPort = tlsPort
        self.dnsPort = dnsPort
        self.challengeManagementPort = challengeManagementPort
        self.pebblePID = pebblePID
        self.challtestsrvPID = challtestsrvPID
    }

    /// At most this many pebbles run at once in one test process: on a
    /// 2-core machine twenty parallel pebbles starve each other at start-up.
    static let gate = PebbleGate(limit: 4)

    /// Starts both servers and waits until they accept connections (waiting
    /// first for a free slot, see ``gate``).
    public static func start(_ options: Options = Options()) async throws -> Pebble {
        await gate.acquire()
        var lastError: any Error = StartFailed(log: "")
        // A port picked as free can be taken before the server binds it: try fresh ports a few times.
        for _ in 0..<3 {
            do {
                return try await startNow(options)
            } catch let error as StartFailed {
                lastError = error
            } catch {
                lastError = error
                break
            }
        }
        await gate.release()
        throw lastError
    }

    static func startNow(_ options: Options) async throws -> Pebble {
        let pebble = try TestSupport.requireTool("pebble", package: "pebble")
        let challtestsrv = try TestSupport.requireTool("pebble-challtestsrv", package: "pebble")
        let directory = try TestSupport.temporaryDirectory("clm-pebble")
        try TestSupport.makeLocalhostCertificate(in: directory)
        var ports: Set<Int> = []
        while ports.count < 6 { ports.insert(try TestSupport.freePort()) }
        let p = Array(ports)
        let (listen, management, http, tls, dns, challengeManagement) = (p[0], p[1], p[2], p[3], p[4], p[5])

        var config: [String: Any] = [
            "listenAddress": "127.0.0.1:\(listen)",
            "managementListenAddress": "127.0.0.1:\(management)",
            "certificate": "\(directory)/cert.pem",
            "privateKey": "\(directory)/key.pem",
            "httpPort": http,
            "tlsPort": tls,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": !options.eabKeys.isEmpty,
        ]
        if !options.eabKeys.isEmpty { config["externalAccountMACKeys"] = options.eabKeys }
        if let validity = options.certificateValiditySeconds { config["certificateValidityPeriod"] = validity }
        let json = try JSONSerialization.data(withJSONObject: ["pebble": config], options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: "\(directory)/pebble-config.json"))

        let challPID = try spawn(challtestsrv, ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:\(dns)",
                                                "-management", "127.0.0.1:\(challengeManagement)", "-http01", "", "-https01", "",
                                                "-tlsalpn01", ""],
                                 environment: [:], log: "\(directory)/challtestsrv.log")
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in options.environment { environment[key] = value }
        let pebblePID: Int32
        do {
            pebblePID = try spawn(pebble, ["-config", "\(directory)/pebble-config.json", "-dnsserver", "127.0.0.1:\(dns)"],
                                  environment: environment, log: "\(directory)/pebble.log")
        } catch {
            kill(challPID, SIGKILL)
            throw error
        }
        let instance = Pebble(directory: directory, listenPort: listen, managementPort: management, httpPort: http, tlsPort: tls,
                              dnsPort: dns, challengeManagementPort: challengeManagement, pebblePID: pebblePID, challtestsrvPID: challPID)
        for _ in 0..<1200 {
            if TestSupport.isListening(port: listen) && TestSupport.isListening(port: challengeManagement) && TestSupport.isListening(port: dns) {
                // Another test's server may hold a port picked as free: then it answers and ours has just died
                // (pebble logs "Listening on" before binding). Make sure both are still ours and alive.
                try await Task.sleep(for: .milliseconds(300))
                var status: Int32 = 0
                let log = (try? String(contentsOfFile: "\(directory)/pebble.log", encoding: .utf8)) ?? ""
                if waitpid(pebblePID, &status, WNOHANG) == 0, waitpid(challPID, &status, WNOHANG) == 0,
                   !log.contains("address already in use") {
                    return instance
                }
                break
            }
            var status: Int32 = 0
            if waitpid(pebblePID, &status, WNOHANG) == pebblePID || waitpid(challPID, &status, WNOHANG) == challPID { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = ((try? String(contentsOfFile: "\(directory)/pebble.log", encoding: .utf8)) ?? "")
            + ((try? String(contentsOfFile: "\(directory)/challtestsrv.log", encoding: .utf8)) ?? "")
        instance.terminate()
        throw StartFailed(log: log)
    }

    public struct StartFailed: Error, CustomStringConvertible {
        public let log: String
        public var description: String { "pebble or pebble-challtestsrv did not start (within 60 s); their logs:\n\(log)" }
    }

    /// Kills both servers by PID, removes the directory and frees the slot.
    public func stop() {
        terminate()
        Task { await Pebble.gate.release() }
    }

    func terminate() {
        for pid in [pebblePID, challtestsrvPID] {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            for _ in 0..<40 {
                // Foundation's Process may reap the child itself; then kill(pid, 0) reports it gone.
                if waitpid(pid, &status, WNOHANG) == pid || kill(pid, 0) != 0 { break }
                usleep(25_000)
            }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
            _ = waitpid(pid, &status, WNOHANG)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// pebble's own log so far (for failure messages).
    public var log: String { (try? String(contentsOfFile: "\(directory)/pebble.log", encoding: .utf8)) ?? "" }

    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], log: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = environment }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process.processIdentifier
    }
}

/// A counting semaphore for async code.
actor PebbleGate {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { available = limit }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
