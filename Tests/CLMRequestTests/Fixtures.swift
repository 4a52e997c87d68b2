import Foundation
import CLMCrypto
import CLMHTTP
import CLMTestSupport
@testable import CLMRequest

/// A pebble plus a client, a state dir and a registered account.
struct PebbleFixture {
    let pebble: Pebble
    let http: HTTPClient
    let client: ACMEClient
    let state: RequestStore
    let recorder: InMemoryACMERecorder
    let account: AccountCredentials
    let logs: LogCollector

    static func start(_ options: Pebble.Options = Pebble.Options(), register: Bool = true,
                      eab: ExternalAccountBinding? = nil) async throws -> PebbleFixture {
        let pebble = try await Pebble.start(options)
        do {
            let http = try HTTPClient(.init(caFile: pebble.caFile, connections: 4))
            let client = try await ACMEClient.connect(directoryURL: pebble.directoryURL, http: http)
            let state = RequestStore(root: try TestSupport.temporaryDirectory("clm-state"))
            let recorder = InMemoryACMERecorder()
            let account: AccountCredentials
            if register {
                account = try await AccountManager(client: client, state: state, recorder: recorder)
                    .register(contact: ["mailto:ops@example.test"], externalAccountBinding: eab).credentials
            } else {
                account = AccountCredentials(key: try PrivateKey.generate(.ecP256), url: "")
            }
            return PebbleFixture(pebble: pebble, http: http, client: client, state: state, recorder: recorder, account: account, logs: LogCollector())
        } catch {
            pebble.stop()
            throw error
        }
    }

    func issuer(_ solver: any ChallengeSolver, account: AccountCredentials? = nil) -> Issuer {
        let logs = self.logs
        return Issuer(client: client, account: account ?? self.account, solver: solver, recorder: recorder, state: state,
                      log: { logs.append($0) })
    }

    var standalone: StandaloneHTTPSolver { StandaloneHTTPSolver(address: "127.0.0.1", port: pebble.httpPort) }

    func stop() {
        pebble.stop()
        try? FileManager.default.removeItem(atPath: state.root)
    }

    /// Hooks/ in the package (tests run from the package root).
    static var hooksDirectory: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Hooks"
    }
}

/// Collects log lines from the issuer (thread-safe).
final class LogCollector: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}

/// Serves a directory over HTTP on pebble's httpPort, like a web server with a webroot.
func serveWebroot(_ root: String, port: Int) throws -> ChallengeHTTPServer {
    try ChallengeHTTPServer(address: "127.0.0.1", port: port) { path in
        guard !path.contains("..") else { return nil }
        return FileManager.default.contents(atPath: root + path).map { ChallengeHTTPServer.Reply(body: Array($0)) }
    }
}

func fileMode(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
