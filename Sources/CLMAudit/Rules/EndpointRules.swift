public import CLMCore
public import CLMInventory

extension AuditContext {
    /// Scope subject for an endpoint: the endpoint, plus its leaf's names, issuer and tags.
    static func subject(for endpoint: Inventory.AuditEndpointRow) -> ScopeSubject {
        var subject = endpoint.chain.first.map(AuditContext.subject(for:)) ?? ScopeSubject()
        subject.files = []
        subject.endpoints = []
        subject.addLocation(kind: "endpoint", ref: endpoint.ref)
        for name in [endpoint.host, endpoint.sni] where !name.isEmpty && !subject.names.contains(name) { subject.names.append(name) }
        return subject
    }

    func finding(_ settings: RuleSettings, endpoint: Inventory.AuditEndpointRow, message: String, evidence: [String: String]) -> Finding {
        var facts = evidence
        if let protocolVersion = endpoint.protocolVersion { facts["protocol"] = protocolVersion }
        if endpoint.starttls != "none" { facts["starttls"] = endpoint.starttls }
        return Finding(code: settings.code, rule: settings.name, severity: settings.severity, subject: endpoint.ref,
                       fingerprint: endpoint.chain.first?.fingerprintSHA256, location: endpoint.ref, host: endpoint.probedFrom, message: message,
                       evidence: facts, fix: settings.descriptor.fix)
    }
}

/// The endpoint-level rule shape: one SQL condition, at most one finding per endpoint.
protocol EndpointConditionRule: AuditRule {
    func condition(_ context: AuditContext) -> Inventory.AuditEndpointCondition
    func finding(for endpoint: Inventory.AuditEndpointRow, _ context: AuditContext) -> Finding?
}

extension EndpointConditionRule {
    public func evaluate(_ context: AuditContext) throws(InventoryError) -> [Finding] {
        var findings: [Finding] = []
        try context.store.endpoints(condition(context)) { endpoint in
            guard context.applies(settings, to: AuditContext.subject(for: endpoint)) else { return }
            if let finding = finding(for: endpoint, context) { findings.append(finding) }
        }
        return findings
    }
}

/// `endpoint-chain`: the chain sent is incomplete (verification cannot find
/// an issuer, and the last certificate sent is not issued by a root the
/// inventory knows) or misordered (a certificate is not followed by its issuer,
/// or the first one sent is a CA).
public struct EndpointChainRule: EndpointConditionRule {
    public let settings: RuleSettings

    /// X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, _GET_ISSUER_CERT_LOCALLY, _VERIFY_LEAF_SIGNATURE.
    static let incompleteCodes = [2, 20, 21]

    func condition(_ context: AuditContext) -> Inventory.AuditEndpointCondition { .chainProblem(verifyCodes: Self.incompleteCodes) }

    func finding(for endpoint: Inventory.AuditEndpointRow, _ context: AuditContext) -> Finding? {
        var problems: [String] = []
        if let first = endpoint.chain.first, first.isCA {
            problems.append("the first certificate sent (\(AuditContext.label(first))) is a CA, not the server's certificate")
        }
        for (current, next) in zip(endpoint.chain, endpoint.chain.dropFirst()) where current.issuer != next.subject {
            problems.append("\(AuditContext.label(current)) is followed by \(AuditContext.label(next)), which did not issue it")
        }
        let misordered = !problems.isEmpty
        if let code = endpoint.verifyCode, Self.incompleteCodes.contains(code), !endpoint.lastIssuerIsKnownRoot {
            let last = endpoint.chain.last.map(AuditContext.label) ?? "?"
            problems.append("incomplete: no certificate for the issuer of \(last) was sent (\(endpoint.verifyMessage ?? "verify code \(code)"))")
        }
        guard !problems.isEmpty else { return nil }
        let kind = misordered ? (problems.count > 1 && problems.last?.hasPrefix("incomplete") == true ? "misordered and incomplete" : "misordered") : "incomplete"
        return context.finding(settings, endpoint: endpoint, message: "serves a \(kind) chain: " + problems.joined(separator: "; "),
                               evidence: ["chain": endpoint.chain.map(AuditContext.label).joined(separator: " > "),
                                          "verify_code": endpoint.verifyCode.map(String.init) ?? "", "problem": kind])
    }
}

/// `hostname-mismatch`: the certificate served does not cover the name asked for.
public struct HostnameMismatchRule: EndpointConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditEndpointCondition { .hostnameMismatch }

    func finding(for endpoint: Inventory.AuditEndpointRow, _ context: AuditContext) -> Finding? {
        let asked = endpoint.sni.isEmpty ? endpoint.host : endpoint.sni
        let names = endpoint.chain.first?.names ?? []
        return context.finding(settings, endpoint: endpoint, message: "serves a certificate for \(names.joined(separator: ", ")) when asked for \(asked)",
                               evidence: ["asked": asked, "certificate_names": names.joined(separator: ",")])
    }
}

/// `legacy-tls`: the endpoint accepts a protocol version in `versions`.
public struct LegacyTLSRule: EndpointConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditEndpointCondition { .acceptsAnyVersion(settings.strings("versions")) }

    func finding(for endpoint: Inventory.AuditEndpointRow, _ context: AuditContext) -> Finding? {
        let legacy = endpoint.tlsVersions.filter(settings.strings("versions").contains)
        guard !legacy.isEmpty else { return nil }
        return context.finding(settings, endpoint: endpoint, message: "accepts \(legacy.joined(separator: ", "))",
                               evidence: ["accepted": endpoint.tlsVersions.joined(separator: ","), "legacy": legacy.joined(separator: ",")])
    }
}

/// `client-cert`: the endpoint asks for a client certificate where the policy does not expect it.
public struct ClientCertificateRule: EndpointConditionRule {
    public let settings: RuleSettings

    func condition(_ context: AuditContext) -> Inventory.AuditEndpointCondition { .clientCertificateNotIn(settings.strings("allow")) }

    func finding(for endpoint: Inventory.AuditEndpointRow, _ context: AuditContext) -> Finding? {
        let mode = endpoint.clientCertificate ?? "unknown"
        return context.finding(settings, endpoint: endpoint, message: "client certificate \(mode) where the policy expects \(settings.strings("allow").joined(separator: " or "))",
                               evidence: ["client_certificate": mode])
    }
}

/// `key-permissions`: a private key file readable by its group or by others.
public struct KeyPermissionsRule: AuditRule {
    public let settings: RuleSettings

    public func evaluate(_ context: AuditContext) throws(InventoryError) -> [Finding] {
        var findings: [Finding] = []
        try context.store.privateKeys(modeBits: 0o044) { key in
            var subject = ScopeSubject()
            for certificate in key.certificates {
                let other = AuditContext.subject(for: certificate)
                subject.names += other.names
                subject.issuers += other.issuers
                subject.tags += other.tags
                subject.endpoints += other.endpoints
            }
            subject.files = [key.path]
            guard context.applies(settings, to: subject) else { return }
            let mode = "0" + String(key.mode & 0o7777, radix: 8)
            let readers = [key.mode & 0o040 != 0 ? "group" : nil, key.mode & 0o004 != 0 ? "others" : nil].compactMap { $0 }
            findings.append(Finding(code: settings.code, rule: settings.name, severity: settings.severity,
                                    subject: key.certificates.first.map(AuditContext.label) ?? key.path,
                                    fingerprint: key.certificates.first?.fingerprintSHA256, location: key.path, host: key.host,
                                    message: "private key file is readable by \(readers.joined(separator: " and ")) (mode \(mode))",
                                    evidence: ["mode": mode, "owner_uid": String(key.ownerUID), "owner_gid": String(key.ownerGID),
                                               "key": key.keyDescription, "encrypted": String(key.encrypted)],
                                    fix: settings.descriptor.fix))
        }
        return findings
    }
}
