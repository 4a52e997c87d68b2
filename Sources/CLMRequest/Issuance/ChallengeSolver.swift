internal import Foundation

/// What a solver needs to make one challenge answerable.
public struct ChallengeContext: Sendable, Hashable {
    public let identifier: ACME.Identifier
    /// "http-01" or "dns-01".
    public let challengeType: String
    public let token: String
    /// token "." thumbprint (RFC 8555 §8.1).
    public let keyAuthorization: String

    public init(identifier: ACME.Identifier, challengeType: String, token: String, keyAuthorization: String) {
        self.identifier = identifier
        self.challengeType = challengeType
        self.token = token
        self.keyAuthorization = keyAuthorization
    }

    /// The domain without a wildcard prefix.
    public var domain: String {
        identifier.value.hasPrefix("*.") ? String(identifier.value.dropFirst(2)) : identifier.value
    }

    /// RFC 8555 §8.4: "_acme-challenge." + domain + "." (fully qualified).
    public var dnsRecordName: String { "_acme-challenge.\(domain)." }

    /// RFC 8555 §8.4: base64url(SHA-256(key authorization)).
    public var dnsRecordValue: String { DNSChallengeValue.compute(keyAuthorization) }

    /// RFC 8555 §8.3: the path pebble (or any CA) fetches.
    public var httpPath: String { "/.well-known/acme-challenge/\(token)" }
}

/// Makes challenges answerable and takes them down again.
///
/// `present` MUST return once the CA can validate (apart from propagation,
/// see ``PropagationWaiting``); `cleanUp` MUST undo exactly what `present`
/// did and is called even when validation failed.
public protocol ChallengeSolver: Sendable {
    /// The ACME challenge type this solver answers.
    var challengeType: String { get }
    func present(_ context: ChallengeContext) async throws
    func cleanUp(_ context: ChallengeContext) async throws
}

/// Optional: solvers whose records need time to become visible (DNS).
/// Called once after every challenge of an order was presented.
public protocol PropagationWaiting: Sendable {
    func waitForPropagation(_ contexts: [ChallengeContext]) async throws
}

internal import CLMCrypto

enum DNSChallengeValue {
    static func compute(_ keyAuthorization: String) -> String {
        Base64URL.encode(Digest.sha256(Array(keyAuthorization.utf8)))
    }
}

/// Failures of solvers, naming the identifier and what was tried.
public enum SolverError: Error, Sendable, CustomStringConvertible {
    case webroot(path: String, operation: String, errno: Int32)
    case standalone(address: String, port: Int, operation: String, errno: Int32)
    case hookFailed(hook: String, action: String, domain: String, status: Int32, output: String)
    case hookTimedOut(hook: String, action: String, domain: String, after: Duration)
    case hookNotRunnable(hook: String, reason: String)

    public var description: String {
        switch self {
        case .webroot(let path, let operation, let code):
            return "http-01 webroot: cannot \(operation) \(path): \(String(cString: strerror(code))) (does the webroot exist and is it writable?)"
        case .standalone(let address, let port, let operation, let code):
            let hint = code == EADDRINUSE ? " (another server owns the port: use --webroot, or stop it)"
                : code == EACCES ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : ""
            return "http-01 standalone: cannot \(operation) \(address):\(port): \(String(cString: strerror(code)))\(hint)"
        case .hookFailed(let hook, let action, let domain, let status, let output):
            let tail = output.isEmpty ? "" : "; output: \(output.suffix(500))"
            return "dns-01 hook \(hook) \(action) for \(domain) exited with status \(status)\(tail)"
        case .hookTimedOut(let hook, let action, let domain, let after):
            return "dns-01 hook \(hook) \(action) for \(domain) timed out after \(after) and was killed"
        case .hookNotRunnable(let hook, let reason):
            return "dns-01 hook \(hook) cannot run: \(reason)"
        }
    }
}
