public import CLMCore
public import CLMInventory
public import Foundation

/// Runs a policy's rules over the inventory and collects their findings.
///
/// The audit reads only the inventory (no network, no files); what to do
/// with the findings, such as the exit status, is the caller's decision.
public struct Auditor: Sendable {
    public let policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// Evaluates every enabled rule (or only those named in `only`) at `now`.
    public func run(inventory: Inventory, now: Date, only: [String]? = nil) throws(AuditError) -> AuditReport {
        var rules = policy.rules
        if let only {
            for name in only where !rules.contains(where: { $0.settings.name == name }) {
                if RuleCatalog.descriptor(named: name) == nil {
                    throw .unknownRule(name)
                }
                throw .ruleNotInPolicy(name, policy: policy.name)
            }
            rules = rules.filter { only.contains($0.settings.name) }
        }
        let context = AuditContext(store: inventory.audit, now: now, scopes: policy.scopes)
        var findings: [Finding] = []
        for rule in rules {
            do { findings += try rule.evaluate(context) } catch { throw .inventory(error) }
        }
        findings.sort(by: Finding.reportOrder)
        return AuditReport(policy: policy.name, sources: policy.sources, generatedAt: now,
                           rules: rules.map(\.settings), findings: findings)
    }
}

/// Why an audit could not run (as opposed to what it found).
public enum AuditError: Error, Sendable, CustomStringConvertible {
    case unknownRule(String)
    case ruleNotInPolicy(String, policy: String)
    case inventory(InventoryError)

    public var description: String {
        switch self {
        case .unknownRule(let name):
            return "unknown rule '\(name)' (known: \(RuleCatalog.all.map(\.name).joined(separator: ", ")))"
        case .ruleNotInPolicy(let name, let policy):
            return "rule '\(name)' is not enabled in policy \(policy); enable it there or leave it out of --only"
        case .inventory(let error):
            return error.description
        }
    }
}

/// The outcome of one audit.
public struct AuditReport: Sendable {
    public var policy: String
    public var sources: [String]
    public var generatedAt: Date
    /// The rules that ran, in catalog order.
    public var rules: [RuleSettings]
    /// Most severe first.
    public var findings: [Finding]

    public init(policy: String, sources: [String], generatedAt: Date, rules: [RuleSettings], findings: [Finding]) {
        self.policy = policy
        self.sources = sources
        self.generatedAt = generatedAt
        self.rules = rules
        self.findings = findings
    }

    /// Number of findings per severity.
    public var counts: [Severity: Int] {
        var counts: [Severity: Int] = [:]
        for finding in findings { counts[finding.severity, default: 0] += 1 }
        return counts
    }

    /// True when any finding is at or above `threshold`.
    public func hasFindings(atOrAbove threshold: Severity) -> Bool {
        findings.contains { $0.severity >= threshold }
    }
}
