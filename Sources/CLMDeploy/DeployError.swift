internal import Foundation

/// Deploy failures, written for the operator: what failed, where, what to try.
public enum DeployError: Error, Sendable, Hashable, CustomStringConvertible {
    case filesystem(path: String, operation: String, errno: Int32)
    case unsafePath(path: String, why: String)
    case unreadable(path: String, why: String)
    case unknownUser(String)
    case unknownGroup(String)
    case noCertificate(name: String, path: String)
    case keyMismatch(name: String, path: String)
    case unusableKey(name: String, path: String, why: String)
    case hookFailed(phase: String, command: String, status: Int32, output: String)
    case hookTimedOut(phase: String, command: String, seconds: Double)
    case hookNotRunnable(phase: String, reason: String)
    case checkFailed(command: String, output: String)
    case reloadFailed(command: String, output: String)
    case runtimeAPI(socket: String, why: String)
    case verifyFailed(endpoint: String, expected: String, served: String)
    case verifyUnreachable(endpoint: String, why: String)
    /// The new certificate is served, but the session is refused after the handshake.
    case verifySessionRefused(endpoint: String, command: String, reply: String)

    public var description: String {
        switch self {
        case .filesystem(let path, let operation, let code):
            let hint = code == EACCES || code == EPERM ? " (run as the service user or fix ownership)" : ""
            return "cannot \(operation) \(path): \(String(cString: strerror(code)))\(hint)"
        case .unsafePath(let path, let why): return "refusing to write \(path): \(why)"
        case .unreadable(let path, let why): return "not reading \(path): \(why)"
        case .unknownUser(let name): return "owner '\(name)' is not a user on this host (check `owner:` in the config)"
        case .unknownGroup(let name): return "group '\(name)' is not a group on this host (check `group:` in the config)"
        case .noCertificate(let name, let path):
            return "certificate '\(name)' has not been issued yet (nothing at \(path)); run `clm renew \(name)`"
        case .keyMismatch(let name, let path):
            return "certificate '\(name)': the key in \(path) does not match the certificate; not deploying (run `clm renew --force \(name)`)"
        case .unusableKey(let name, let path, let why):
            return "certificate '\(name)': the key in \(path) cannot be used (\(why)); it must be an unencrypted PEM key (run `clm renew --force \(name)` for a new one)"
        case .hookFailed(let phase, let command, let status, let output):
            return "\(phase) hook \(command) exited with status \(status)" + Self.tail(output)
        case .hookTimedOut(let phase, let command, let seconds):
            return "\(phase) hook \(command) timed out after \(Int(seconds)) s and was killed (raise renew.hook_timeout?)"
        case .hookNotRunnable(let phase, let reason): return "\(phase) hook cannot run: \(reason)"
        case .checkFailed(let command, let output): return "config test failed: \(command)" + Self.tail(output)
        case .reloadFailed(let command, let output): return "reload failed: \(command)" + Self.tail(output)
        case .runtimeAPI(let socket, let why): return "HAProxy runtime API on \(socket): \(why)"
        case .verifyFailed(let endpoint, let expected, let served):
            return "\(endpoint) serves certificate \(served.prefix(16))…, not the new \(expected.prefix(16))… (is `verify` the right listener, and does the server load these files?)"
        case .verifyUnreachable(let endpoint, let why): return "cannot verify \(endpoint): \(why)"
        case .verifySessionRefused(let endpoint, let command, let reply):
            return "\(endpoint) completes the TLS handshake but refuses the session: after `\(command)` it said \(reply)"
        }
    }

    static func tail(_ output: String) -> String {
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "" : "; output: " + String(trimmed.suffix(600))
    }
}
