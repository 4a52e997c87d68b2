public import CLMCore
public import CLMInventory
public import Foundation

/// One check of the inventory against a policy rule.
///
/// A rule asks the inventory one narrow question (the filter runs in SQL)
/// and turns each answer into a ``Finding``. Rules never throw for what they
/// find; they throw only when the inventory cannot be read.
public protocol AuditRule: Sendable {
    var settings: RuleSettings { get }
    func evaluate(_ context: AuditContext) throws(InventoryError) -> [Finding]
}

/// What a rule evaluates against: the inventory's audit store, the time, the policy's scopes.
public struct AuditContext {
    public let store: any AuditStore
    public let now: Date
    public let scopes: [String: Scope]

    public init(store: any AuditStore, now: Date, scopes: [String: Scope]) {
        self.store = store
        self.now = now
        self.scopes = scopes
    }

    public var nowSeconds: Int64 { Int64(now.timeIntervalSince1970.rounded(.down)) }

    /// True when `settings`' scope/except lists let the rule judge `subject`.
    public func applies(_ settings: RuleSettings, to subject: ScopeSubject) -> Bool {
        if !settings.scope.isEmpty, !settings.scope.contains(where: { scopes[$0]?.matches(subject) ?? false }) { return false }
        if settings.except.contains(where: { scopes[$0]?.matches(subject) ?? false }) { return false }
        return true
    }

    /// Scope subject for a certificate: its names, issuer, locations and tags.
    public static func subject(for certificate: Inventory.AuditCertificateRow) -> ScopeSubject {
        var subject = ScopeSubject()
        subject.names = certificate.names
        subject.issuers = [certificate.issuer] + (certificate.issuerCN.map { [$0] } ?? [])
        for location in certificate.locations { subject.addLocation(kind: location.kind, ref: location.ref) }
        subject.tags = certificate.tags
        return subject
    }

    /// A finding about one certificate, located at `location` on `host` or
    /// else at its first active location. On a whole-fleet audit, a
    /// certificate several hosts hold names them all in `hosts`.
    func finding(_ settings: RuleSettings, certificate: Inventory.AuditCertificateRow, severity: Severity? = nil,
                 location: String? = nil, host: String? = nil, message: String, evidence: [String: String] = [:]) -> Finding {
        var facts = evidence
        facts["not_after"] = facts["not_after"] ?? Self.time(certificate.notAfter)
        if certificate.locations.count > 1 { facts["locations"] = String(certificate.locations.count) }
        var hosts: [String] = []
        for location in certificate.locations { if let host = location.host, !hosts.contains(host) { hosts.append(host) } }
        if hosts.count > 1 { facts["hosts"] = hosts.sorted().joined(separator: ",") }
        let first = certificate.locations.first
        return Finding(code: settings.code, rule: settings.name, severity: severity ?? settings.severity,
                       subject: Self.label(certificate), fingerprint: certificate.fingerprintSHA256,
                       location: location ?? first?.ref, host: location == nil ? first?.host : host, message: message, evidence: facts,
                       fix: settings.descriptor.fix)
    }

    /// CN, else the first SAN, else the subject DN (readable: no RFC 4514 backslashes).
    static func label(_ certificate: Inventory.AuditCertificateRow) -> String {
        certificate.subjectCN ?? certificate.subjectAlternativeNames.first ?? DistinguishedNameText.readable(certificate.subject)
    }

    /// RFC 3339 UTC time for Unix seconds.
    static func time(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).ISO8601Format()
    }

    /// Whole days from `from` to `to` (rounded toward zero).
    static func days(_ seconds: Int64) -> Int64 { seconds / 86_400 }
}

/// The certificate-level rule shape: one SQL condition, one finding per certificate in scope.
protocol CertificateConditionRule: AuditRule {
    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition
    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding?
}

extension CertificateConditionRule {
    public func evaluate(_ context: AuditContext) throws(InventoryError) -> [Finding] {
        var findings: [Finding] = []
        try context.store.certificates(condition(context), roles: settings.roles) { certificate in
            guard context.applies(settings, to: AuditContext.subject(for: certificate)) else { return }
            if let finding = finding(for: certificate, context) { findings.append(finding) }
        }
        return findings
    }
}
