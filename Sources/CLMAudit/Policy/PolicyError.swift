/// A policy file that cannot be used, with the place to fix it.
public enum PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// Not valid YAML.
    case syntax(path: String, line: Int, column: Int, message: String)
    /// Valid YAML, but not a valid policy: `key` is the dotted path of the offending key.
    case invalid(path: String, line: Int, column: Int, key: String, message: String)
    /// `extends:` leads back to a file already being loaded.
    case extendsCycle(chain: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read policy: \(reason)"
        case .syntax(let path, let line, let column, let message):
            return "\(path):\(line):\(column): YAML syntax error: \(message)"
        case .invalid(let path, let line, let column, let key, let message):
            return "\(path):\(line):\(column): \(key): \(message)"
        case .extendsCycle(let chain):
            return "policy extends itself: \(chain.joined(separator: " -> ")) (remove one of the extends: lines)"
        }
    }

    /// The offending key for `.invalid`, else nil (for tests and tools).
    public var key: String? {
        if case .invalid(_, _, _, let key, _) = self { return key }
        return nil
    }

    /// The line for `.syntax` and `.invalid`, else nil.
    public var line: Int? {
        switch self {
        case .syntax(_, let line, _, _), .invalid(_, let line, _, _, _): return line
        default: return nil
        }
    }
}
