internal import Foundation

/// http-01 with clm's own responder on `port` (80 in production; pebble's
/// `httpPort` in tests). The server starts with the first challenge and
/// stops when the last one is cleaned up, so concurrent orders share it.
public actor StandaloneHTTPSolver: ChallengeSolver {
    private var tokens: [String: String] = [:]
    private var server: ChallengeHTTPServer?
    private let tokenStore = TokenStore()

    public let address: String
    public let port: Int
    public nonisolated var challengeType: String { "http-01" }

    public init(address: String = "0.0.0.0", port: Int = 80) {
        self.address = address
        self.port = port
    }

    public func present(_ context: ChallengeContext) async throws {
        if server == nil {
            let store = tokenStore
            server = try ChallengeHTTPServer(address: address, port: port) { path in
                let prefix = "/.well-known/acme-challenge/"
                guard path.hasPrefix(prefix) else { return nil }
                return store.value(for: String(path.dropFirst(prefix.count))).map { ChallengeHTTPServer.Reply(body: Array($0.utf8)) }
            }
        }
        tokens[context.token] = context.keyAuthorization
        tokenStore.set(context.token, context.keyAuthorization)
    }

    public func cleanUp(_ context: ChallengeContext) async throws {
        tokens[context.token] = nil
        tokenStore.set(context.token, nil)
        let stopping = tokens.isEmpty ? server : nil
        if tokens.isEmpty { server = nil }
        stopping?.stop()
    }
}

/// Tokens readable from the server thread.
final class TokenStore: @unchecked Sendable {
    // `values` is guarded by `lock`.
    private let lock = NSLock()
    private var values: [String: String] = [:]

    func set(_ token: String, _ value: String?) {
        lock.lock()
        values[token] = value
        lock.unlock()
    }

    func value(for token: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return values[token]
    }
}
