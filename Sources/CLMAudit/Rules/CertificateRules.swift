public import CLMCore
public import CLMInventory

/// `weak-key`: RSA shorter than `min-rsa-bits`, an EC curve not in
/// `curves`, or a key algorithm not in `algorithms`.
public struct WeakKeyRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition {
        .weakKey(minimumRSABits: settings.int("min-rsa-bits"), allowedCurves: settings.strings("curves"),
                 allowedAlgorithms: settings.strings("algorithms"))
    }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        let reason: String
        if !settings.strings("algorithms").contains(certificate.keyAlgorithm) {
            reason = "key algorithm \(certificate.keyAlgorithm) is not allowed (allowed: \(settings.strings("algorithms").joined(separator: ", ")))"
        } else if certificate.keyAlgorithm == "RSA" {
            reason = "RSA key of \(certificate.keyBits ?? 0) bits; the policy requires at least \(settings.int("min-rsa-bits"))"
        } else {
            reason = "EC curve \(certificate.keyCurve ?? "unknown") is not allowed (allowed: \(settings.strings("curves").joined(separator: ", ")))"
        }
        return context.finding(settings, certificate: certificate, message: reason, evidence: ["key": certificate.keyDescription])
    }
}

/// `weak-signature`: signed with a digest in `digests` (SHA-1, MD5 ...).
/// Looks at leaves and intermediates; a root's self-signature is not checked by clients.
public struct WeakSignatureRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition { .signatureUsing(digests: settings.strings("digests")) }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        let role = certificate.role == .leaf ? "certificate" : "\(certificate.role.label) CA certificate"
        return context.finding(settings, certificate: certificate, message: "\(role) signed with \(certificate.signatureAlgorithm)",
                               evidence: ["signature_algorithm": certificate.signatureAlgorithm])
    }
}

/// `no-san`: no subject alternative name (clients ignore the CN).
public struct NoSANRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition { .withoutSubjectAlternativeName }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        context.finding(settings, certificate: certificate, message: "no subject alternative name; clients ignore the subject CN",
                        evidence: ["subject": certificate.subject])
    }
}

/// `wildcard`: a wildcard name; restrict with `scope:` to where wildcards are not allowed.
public struct WildcardRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition { .wildcardName }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        let wildcards = certificate.names.filter { $0.hasPrefix("*.") }
        return context.finding(settings, certificate: certificate, message: "wildcard name \(wildcards.joined(separator: ", ")) where wildcards are not allowed",
                               evidence: ["wildcards": wildcards.joined(separator: ",")])
    }
}

/// `self-signed`: a self-signed leaf; allow it in some scopes with `except:`.
public struct SelfSignedRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition { .selfSigned }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        context.finding(settings, certificate: certificate, message: "self-signed certificate outside the scopes that allow it",
                        evidence: ["issuer": certificate.issuer])
    }
}

/// `issuer-not-allowed`: neither the issuer DN nor its CN matches a glob in `issuers`.
public struct IssuerNotAllowedRule: CertificateConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditCertificateCondition {
        // SQLite's GLOB is case-sensitive: it returns a superset, re-checked below case-insensitively.
        .issuerNotMatching(globs: settings.strings("issuers"))
    }

    func finding(for certificate: Inventory.AuditCertificateRow, _ context: AuditContext) -> Finding? {
        let globs = settings.strings("issuers")
        let candidates = [certificate.issuer] + (certificate.issuerCN.map { [$0] } ?? [])
        if candidates.contains(where: { issuer in globs.contains { Glob.matches($0, issuer, caseInsensitive: true) } }) { return nil }
        return context.finding(settings, certificate: certificate, message: "issued by \(certificate.issuerCN ?? certificate.issuer), which is not in the allow-list",
                               evidence: ["issuer": certificate.issuer, "allowed": globs.joined(separator: ",")])
    }
}

/// `key-reuse`: one public key in live certificates for different subjects.
public struct KeyReuseRule: AuditRule {
    public let settings: RuleSettings

    public func evaluate(_ context: AuditContext) throws(InventoryError) -> [Finding] {
        var findings: [Finding] = []
        try context.store.keyReuse(notExpiredAt: context.nowSeconds, roles: settings.roles) { group in
            let certificates = group.certificates.sorted { (AuditContext.label($0), $0.id) < (AuditContext.label($1), $1.id) }
            let members = certificates.filter { context.applies(settings, to: AuditContext.subject(for: $0)) }
            guard let first = members.first, Set(certificates.map(\.subject)).count > 1 else { return }
            let subjects = certificates.map(AuditContext.label)
            var finding = context.finding(settings, certificate: first,
                                          message: "one private key is used by \(group.certificates.count) certificates for different subjects: \(subjects.joined(separator: ", "))",
                                          evidence: ["spki_sha256": group.spkiSHA256, "certificates": String(group.certificates.count),
                                                     "subjects": subjects.joined(separator: ",")])
            finding.evidence["not_after"] = nil
            findings.append(finding)
        }
        return findings
    }
}

/// `stale-copy`: a file still holds an older certificate for the names an endpoint serves.
public struct StaleCopyRule: AuditRule {
    public let settings: RuleSettings

    public func evaluate(_ context: AuditContext) throws(InventoryError) -> [Finding] {
        var findings: [Finding] = []
        try context.store.staleCopies { copy in
            var subject = AuditContext.subject(for: copy.stale)
            subject.files = [copy.path]
            guard context.applies(settings, to: subject) else { return }
            findings.append(context.finding(
                settings, certificate: copy.stale, location: copy.path, host: copy.host,
                message: "holds a certificate expiring \(AuditContext.time(copy.stale.notAfter)); \(copy.endpointRef) serves a newer one expiring \(AuditContext.time(copy.served.notAfter))",
                evidence: ["endpoint": copy.endpointRef, "served_fingerprint": copy.served.fingerprintSHA256,
                           "served_not_after": AuditContext.time(copy.served.notAfter)]))
        }
        return findings
    }
}
