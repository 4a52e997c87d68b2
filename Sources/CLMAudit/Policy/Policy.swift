public import CLMCore
public import CLMInventory

/// A loaded, validated policy: its scopes and the rules it enables.
///
/// Built by ``PolicyLoader`` from YAML; `extends:` chains are already
/// merged. Rules are in catalog order.
public struct Policy: Sendable {
    public var name: String
    public var description: String?
    /// The files it was loaded from, the base first.
    public var sources: [String]
    public var scopes: [String: Scope]
    public var rules: [any AuditRule]
}

/// How one rule is configured: common settings plus its own parameters
/// (defaults filled in).
public struct RuleSettings: Sendable {
    public var descriptor: RuleDescriptor
    public var severity: Severity
    /// Apply only to subjects in any of these scopes (empty: everywhere).
    public var scope: [String]
    /// Never apply to subjects in any of these scopes.
    public var except: [String]
    /// Which certificates a certificate rule looks at.
    public var roles: Set<Inventory.AuditRole>
    var parameters: [String: PolicyValue]

    public var name: String { descriptor.name }
    public var code: String { descriptor.code }

    func duration(_ key: String) -> Int64 {
        if case .duration(let value) = parameters[key] { return value.seconds }
        return 0
    }

    func int(_ key: String) -> Int {
        if case .int(let value) = parameters[key] { return value }
        return 0
    }

    func strings(_ key: String) -> [String] {
        if case .strings(let value) = parameters[key] { return value }
        return []
    }

    func severity(_ key: String) -> Severity {
        if case .severity(let value) = parameters[key] { return value }
        return severity
    }
}

/// A typed value from a policy file.
enum PolicyValue: Sendable, Hashable {
    case severity(Severity)
    case bool(Bool)
    case duration(DurationSpec)
    case int(Int)
    case strings([String])
}

/// The type a policy key expects.
enum PolicyValueKind: Sendable, Hashable {
    case severity, bool, duration, int, strings
    /// Strings from a closed set.
    case choices([String])

    var expectation: String {
        switch self {
        case .severity: return "a severity (\(Severity.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .bool: return "true or false"
        case .duration: return "a duration such as 30d, 12h, 8w"
        case .int: return "a whole number"
        case .strings: return "a string or a list of strings"
        case .choices(let values): return "one or more of \(values.joined(separator: ", "))"
        }
    }
}
