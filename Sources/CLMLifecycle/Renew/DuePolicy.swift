public import Foundation

/// Why a managed certificate is (or is not) renewed now.
public enum RenewalReason: Sendable, Hashable, CustomStringConvertible {
    case notIssued
    case forced
    case configChanged
    case withinDue(remaining: TimeInterval, due: Int64)
    case lifetimeFraction(remaining: TimeInterval, lifetime: TimeInterval)
    case ariWindow(renewAt: Date)
    case notDue(renewAt: Date)

    public var isDue: Bool {
        if case .notDue = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .notIssued: return "not issued yet"
        case .forced: return "--force"
        case .configChanged: return "names, key type or preferred chain changed in the config"
        case .withinDue(let remaining, let due): return "\(Self.days(remaining)) left, within --due \(Self.days(TimeInterval(due)))"
        case .lifetimeFraction(let remaining, let lifetime):
            return "\(Self.days(remaining)) left of \(Self.days(lifetime)) (renews at \(lifetime < 10 * 86_400 ? "one half" : "one third"))"
        case .ariWindow(let at): return "the CA's renewal window (ARI) says renew from \(ISO8601DateFormatter().string(from: at))"
        case .notDue(let at): return "not due until \(ISO8601DateFormatter().string(from: at))"
        }
    }

    static func days(_ seconds: TimeInterval) -> String {
        seconds >= 2 * 86_400 ? "\(Int(seconds / 86_400))d" : seconds >= 7200 ? "\(Int(seconds / 3600))h" : "\(Int(seconds / 60))m"
    }
}

/// When a certificate is due (design: "Renewal timing").
///
/// - `--due D`: at most D left.
/// - otherwise: one third of the lifetime left; one half when the lifetime is under 10 days.
/// - an ARI window (RFC 9773), where the CA offers one, replaces the
///   lifetime rule; with an explicit `--due` either rule can trigger.
public struct DuePolicy: Sendable, Hashable {
    public var dueSeconds: Int64?
    public var force: Bool

    public init(dueSeconds: Int64? = nil, force: Bool = false) {
        self.dueSeconds = dueSeconds
        self.force = force
    }

    /// The renewal time by the lifetime rule.
    public static func defaultRenewalTime(notBefore: Date, notAfter: Date) -> Date {
        let lifetime = notAfter.timeIntervalSince(notBefore)
        let fraction = lifetime < 10 * 86_400 ? 0.5 : 1.0 / 3.0
        return notAfter.addingTimeInterval(-lifetime * fraction)
    }

    public func decide(issued: Bool, configChanged: Bool, notBefore: Date, notAfter: Date, ariRenewAt: Date?, now: Date) -> RenewalReason {
        guard issued else { return .notIssued }
        if force { return .forced }
        if configChanged { return .configChanged }
        let remaining = notAfter.timeIntervalSince(now)
        if let ariRenewAt, ariRenewAt <= now { return .ariWindow(renewAt: ariRenewAt) }
        if let dueSeconds {
            if remaining <= TimeInterval(dueSeconds) { return .withinDue(remaining: remaining, due: dueSeconds) }
            let at = notAfter.addingTimeInterval(-TimeInterval(dueSeconds))
            return .notDue(renewAt: ariRenewAt.map { min($0, at) } ?? at)
        }
        if let ariRenewAt { return .notDue(renewAt: ariRenewAt) }
        let at = Self.defaultRenewalTime(notBefore: notBefore, notAfter: notAfter)
        if at <= now { return .lifetimeFraction(remaining: remaining, lifetime: notAfter.timeIntervalSince(notBefore)) }
        return .notDue(renewAt: at)
    }
}
