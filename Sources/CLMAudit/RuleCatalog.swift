public import CLMCore
internal import CLMInventory

/// What a rule is, independent of any policy: stable code, default
/// severity, what it accepts in a policy file, and how to fix what it finds.
public struct RuleDescriptor: Sendable {
    /// What the rule judges; certificate rules accept `certificates:`.
    public enum Subject: String, Sendable { case certificate, endpoint, privateKey = "private key" }

    struct Parameter: Sendable {
        let key: String
        let kind: PolicyValueKind
        let defaultValue: PolicyValue
    }

    public let name: String
    public let code: String
    public let title: String
    public let defaultSeverity: Severity
    public let subject: Subject
    public let fix: String
    let defaultRoles: Set<Inventory.AuditRole>
    let parameters: [Parameter]
    let make: @Sendable (RuleSettings) -> any AuditRule

    /// The keys every rule accepts, plus this rule's own.
    var allowedKeys: [String: PolicyValueKind] {
        var keys: [String: PolicyValueKind] = ["severity": .severity, "enabled": .bool, "scope": .strings, "except": .strings]
        if subject == .certificate { keys["certificates"] = .choices(Inventory.AuditRole.allCases.map(\.rawValue)) }
        for parameter in parameters { keys[parameter.key] = parameter.kind }
        return keys
    }
}

/// Every rule clm knows, in report order. Codes are stable: never reuse or renumber one.
public enum RuleCatalog {
    public static func descriptor(named name: String) -> RuleDescriptor? { all.first { $0.name == name } }

    private static func days(_ value: Int64) -> PolicyValue { .duration(DurationSpec(days: value)) }

    private static let liveRoles: Set<Inventory.AuditRole> = [.leaf, .intermediate]
    /// Validity rules judge private roots too (a root in a custom bundle expires
    /// like anything else); system trust-store roots have their own rule.
    private static let validityRoles: Set<Inventory.AuditRole> = [.leaf, .intermediate, .root]

    public static let all: [RuleDescriptor] = [
        RuleDescriptor(name: "expired", code: "CLM101", title: "Certificate expired", defaultSeverity: .critical, subject: .certificate,
                       fix: "Renew the certificate and deploy it everywhere it is used; remove copies nobody uses.",
                       defaultRoles: validityRoles, parameters: [], make: { ExpiredRule(settings: $0) }),
        RuleDescriptor(name: "expiring", code: "CLM102", title: "Certificate expiring soon", defaultSeverity: .medium, subject: .certificate,
                       fix: "Renew before notAfter (`clm renew`), or automate renewal with ACME.",
                       defaultRoles: validityRoles,
                       parameters: [RuleDescriptor.Parameter(key: "warn-within", kind: .duration, defaultValue: days(30)),
                                    RuleDescriptor.Parameter(key: "critical-within", kind: .duration, defaultValue: days(7)),
                                    RuleDescriptor.Parameter(key: "critical-severity", kind: .severity, defaultValue: .severity(.high))],
                       make: { ExpiringRule(settings: $0) }),
        RuleDescriptor(name: "not-yet-valid", code: "CLM103", title: "Certificate not yet valid", defaultSeverity: .high, subject: .certificate,
                       fix: "Check the clock of the issuing system; deploy the certificate only once notBefore has passed, keeping the previous one until then.",
                       defaultRoles: validityRoles, parameters: [], make: { NotYetValidRule(settings: $0) }),
        RuleDescriptor(name: "weak-key", code: "CLM104", title: "Weak key", defaultSeverity: .high, subject: .certificate,
                       fix: "Issue a new certificate with a new key: ECDSA P-256/P-384 or RSA of at least the required size.",
                       defaultRoles: validityRoles,
                       parameters: [RuleDescriptor.Parameter(key: "min-rsa-bits", kind: .int, defaultValue: .int(2048)),
                                    RuleDescriptor.Parameter(key: "curves", kind: .strings, defaultValue: .strings(["P-256", "P-384", "P-521"])),
                                    RuleDescriptor.Parameter(key: "algorithms", kind: .strings, defaultValue: .strings(["RSA", "EC", "Ed25519", "Ed448"]))],
                       make: { WeakKeyRule(settings: $0) }),
        RuleDescriptor(name: "weak-signature", code: "CLM105", title: "Weak signature algorithm", defaultSeverity: .high, subject: .certificate,
                       fix: "Reissue the certificate (or get the CA to reissue the intermediate) with a SHA-256 or stronger signature.",
                       defaultRoles: liveRoles,
                       parameters: [RuleDescriptor.Parameter(key: "digests", kind: .strings, defaultValue: .strings(["md2", "md4", "md5", "sha1"]))],
                       make: { WeakSignatureRule(settings: $0) }),
        RuleDescriptor(name: "long-validity", code: "CLM106", title: "Validity period too long", defaultSeverity: .medium, subject: .certificate,
                       fix: "Issue certificates with a shorter lifetime and automate their renewal.",
                       defaultRoles: [.leaf],
                       parameters: [RuleDescriptor.Parameter(key: "max-days", kind: .int, defaultValue: .int(398))],
                       make: { LongValidityRule(settings: $0) }),
        RuleDescriptor(name: "no-san", code: "CLM107", title: "No subject alternative name", defaultSeverity: .medium, subject: .certificate,
                       fix: "Reissue the certificate with every host name in the subjectAltName extension.",
                       defaultRoles: [.leaf], parameters: [], make: { NoSANRule(settings: $0) }),
        RuleDescriptor(name: "wildcard", code: "CLM108", title: "Wildcard certificate where not allowed", defaultSeverity: .medium, subject: .certificate,
                       fix: "Replace the wildcard with certificates naming each host.",
                       defaultRoles: [.leaf], parameters: [], make: { WildcardRule(settings: $0) }),
        RuleDescriptor(name: "self-signed", code: "CLM109", title: "Self-signed certificate", defaultSeverity: .medium, subject: .certificate,
                       fix: "Replace it with a certificate from a trusted CA (public ACME or the internal CA), or add its place to an allowed scope.",
                       defaultRoles: [.leaf], parameters: [], make: { SelfSignedRule(settings: $0) }),
        RuleDescriptor(name: "issuer-not-allowed", code: "CLM110", title: "Issuer not in the allow-list", defaultSeverity: .high, subject: .certificate,
                       fix: "Reissue the certificate from an allowed CA, or add the issuer to the policy's `issuers` list.",
                       defaultRoles: [.leaf],
                       parameters: [RuleDescriptor.Parameter(key: "issuers", kind: .strings, defaultValue: .strings(["*"]))],
                       make: { IssuerNotAllowedRule(settings: $0) }),
        RuleDescriptor(name: "endpoint-chain", code: "CLM111", title: "Incomplete or misordered chain", defaultSeverity: .high, subject: .endpoint,
                       fix: "Configure the server with the full chain file (leaf first, then each intermediate in order; the root may be left out).",
                       defaultRoles: [], parameters: [], make: { EndpointChainRule(settings: $0) }),
        RuleDescriptor(name: "hostname-mismatch", code: "CLM112", title: "Host name mismatch", defaultSeverity: .high, subject: .endpoint,
                       fix: "Serve a certificate that names this host (check SNI routing and the server's default certificate).",
                       defaultRoles: [], parameters: [], make: { HostnameMismatchRule(settings: $0) }),
        RuleDescriptor(name: "legacy-tls", code: "CLM113", title: "Legacy TLS version accepted", defaultSeverity: .high, subject: .endpoint,
                       fix: "Disable SSLv3, TLS 1.0 and TLS 1.1 (nginx: ssl_protocols TLSv1.2 TLSv1.3; haproxy: ssl-min-ver TLSv1.2).",
                       defaultRoles: [],
                       parameters: [RuleDescriptor.Parameter(key: "versions", kind: .strings, defaultValue: .strings(["SSLv3", "TLSv1", "TLSv1.1"]))],
                       make: { LegacyTLSRule(settings: $0) }),
        RuleDescriptor(name: "client-cert", code: "CLM114", title: "Unexpected client-certificate request", defaultSeverity: .low, subject: .endpoint,
                       fix: "Turn off client-certificate requests on this endpoint (nginx: ssl_verify_client off), or put it in a scope where mutual TLS is expected.",
                       defaultRoles: [],
                       parameters: [RuleDescriptor.Parameter(key: "allow", kind: .choices(["notRequested", "optional", "required"]),
                                              defaultValue: .strings(["notRequested"]))],
                       make: { ClientCertificateRule(settings: $0) }),
        RuleDescriptor(name: "key-permissions", code: "CLM115", title: "Private key readable by others", defaultSeverity: .high, subject: .privateKey,
                       fix: "chmod 600 the key file (640 with a dedicated group only if the service needs it) and consider replacing the key.",
                       defaultRoles: [], parameters: [], make: { KeyPermissionsRule(settings: $0) }),
        RuleDescriptor(name: "key-reuse", code: "CLM116", title: "Private key reused across certificates", defaultSeverity: .medium, subject: .certificate,
                       fix: "Give each certificate its own key: reissue all but one with freshly generated keys.",
                       defaultRoles: [.leaf], parameters: [], make: { KeyReuseRule(settings: $0) }),
        RuleDescriptor(name: "stale-copy", code: "CLM117", title: "Stale certificate copy", defaultSeverity: .medium, subject: .certificate,
                       fix: "Replace the file with the certificate the endpoint serves (or remove it if nothing uses it).",
                       defaultRoles: [.leaf], parameters: [], make: { StaleCopyRule(settings: $0) }),
        RuleDescriptor(name: "lost-track", code: "CLM118", title: "Certificate not seen recently", defaultSeverity: .low, subject: .certificate,
                       fix: "Rescan the places it used to be (`clm scan`), or find where it went; revoke it if it is no longer needed.",
                       defaultRoles: [.leaf],
                       parameters: [RuleDescriptor.Parameter(key: "after", kind: .duration, defaultValue: days(30))],
                       make: { LostTrackRule(settings: $0) }),
        RuleDescriptor(name: "trust-store-expiry", code: "CLM119", title: "System trust-store root expired or expiring", defaultSeverity: .low,
                       subject: .certificate,
                       fix: "Update the operating system's CA bundle (Debian: apt upgrade ca-certificates; update-ca-certificates); make sure no chain you serve still ends at this root.",
                       defaultRoles: [.trustStore],
                       parameters: [RuleDescriptor.Parameter(key: "warn-within", kind: .duration, defaultValue: days(30))],
                       make: { TrustStoreExpiryRule(settings: $0) }),
    ]
}

extension DurationSpec {
    init(days: Int64) {
        // Parsing "Nd" cannot fail for a small positive literal.
        self = (try? DurationSpec(parsing: "\(days)d")) ?? DurationSpec(seconds: days * 86_400)
    }
}
