public import CLMCore
public import CLMInventory

/// `expired`: the certificate's notAfter has passed.
public struct ExpiredRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition { .expiredAt(context.nowSeconds) }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        let days = AuditContext.days(context.nowSeconds - certificate.notAfter)
        return context.finding(settings, certificate: certificate, message: "expired \(DayCount.text(days)) ago",
                               evidence: ["days_expired": String(days)])
    }
}

/// `expiring`: notAfter falls within the warn window; inside the critical
/// window the finding gets `critical-severity`.
public struct ExpiringRule: AuditRule {
    public let settings: RuleSettings

    public func evaluate(_ context: AuditContext) throws(InventoryError) -> [Finding] {
        let now = context.nowSeconds
        let warn = settings.duration("warn-within"), critical = settings.duration("critical-within")
        var findings: [Finding] = []
        func collect(from: Int64, to: Int64, severity: Severity, window: String) throws(InventoryError) {
            guard to > from else { return }
            try context.store.certificates(.expiringBetween(from: from, to: to), roles: settings.roles) { certificate in
                guard context.applies(settings, to: AuditContext.subject(for: certificate)) else { return }
                let days = AuditContext.days(certificate.notAfter - now)
                findings.append(context.finding(settings, certificate: certificate, severity: severity,
                                                message: "expires in \(DayCount.text(days)) (within the \(window) window)",
                                                evidence: ["days_left": String(days), "window": window]))
            }
        }
        try collect(from: now, to: now + min(critical, warn), severity: settings.severity("critical-severity"),
                    window: "critical-within \(settings.durationText("critical-within"))")
        try collect(from: now + min(critical, warn), to: now + warn, severity: settings.severity,
                    window: "warn-within \(settings.durationText("warn-within"))")
        return findings
    }
}

/// `not-yet-valid`: notBefore is still in the future.
public struct NotYetValidRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition { .notYetValidAt(context.nowSeconds) }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        let days = AuditContext.days(certificate.notBefore - context.nowSeconds)
        return context.finding(settings, certificate: certificate, message: "not valid until \(AuditContext.time(certificate.notBefore)) (\(days) days from now)",
                               evidence: ["not_before": AuditContext.time(certificate.notBefore)])
    }
}

/// `trust-store-expiry`: a root of the system trust store that has expired
/// or expires within `warn-within`. Reported apart from the certificates a
/// site uses, at low severity: nobody renews a public root, and clients
/// ship their own stores.
public struct TrustStoreExpiryRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition {
        .expiredAt(context.nowSeconds + settings.duration("warn-within"))
    }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        let days = AuditContext.days(certificate.notAfter - context.nowSeconds)
        let message = days < 0 ? "trust-store root expired \(DayCount.text(-days)) ago" : "trust-store root expires in \(DayCount.text(days))"
        return context.finding(settings, certificate: certificate, message: message,
                               evidence: ["days_left": String(days), "role": certificate.role.label])
    }
}

/// `long-validity`: notAfter - notBefore is longer than `max-days`.
public struct LongValidityRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition {
        .validityLongerThan(seconds: Int64(settings.int("max-days")) * 86_400)
    }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        let days = AuditContext.days(certificate.notAfter - certificate.notBefore)
        return context.finding(settings, certificate: certificate,
                               message: "valid for \(days) days; the policy allows at most \(settings.int("max-days"))",
                               evidence: ["validity_days": String(days), "max_days": String(settings.int("max-days")),
                                          "not_before": AuditContext.time(certificate.notBefore)])
    }
}

/// `lost-track`: a certificate that has not expired but has not been seen
/// at any location for `after`.
public struct LostTrackRule: AuditRule {
    public let settings: RuleSettings

    public func evaluate(_ context: AuditContext) throws(InventoryError) -> [Finding] {
        var findings: [Finding] = []
        let cutoff = context.nowSeconds - settings.duration("after")
        try context.store.certificatesLastSeen(before: cutoff, notExpiredAt: context.nowSeconds, roles: settings.roles) { certificate in
            guard context.applies(settings, to: AuditContext.subject(for: certificate)) else { return }
            let days = AuditContext.days(context.nowSeconds - certificate.lastSeen)
            findings.append(context.finding(settings, certificate: certificate,
                                            message: "not seen anywhere for \(days) days, yet valid until \(AuditContext.time(certificate.notAfter))",
                                            evidence: ["last_seen": AuditContext.time(certificate.lastSeen), "days_unseen": String(days)]))
        }
        return findings
    }
}

extension RuleSettings {
    func durationText(_ key: String) -> String {
        if case .duration(let value) = parameters[key] { return value.text }
        return ""
    }
}
