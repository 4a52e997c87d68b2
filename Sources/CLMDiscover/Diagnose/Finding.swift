public import CLMCore
/// How bad a finding is. Ordered: `info < low < medium < high < critical`.


/// One problem (or notable fact) about an endpoint, for people and for
/// machines: a stable ``code``, a severity, a one-line title, the evidence
/// seen, and what to do about it.
///
/// The JSON field names (`code`, `severity`, `title`, `evidence`, `fix`,
/// `refusesClients`) are part of clm's interface; docs/diagnose.md lists
/// every code.
public struct Finding: Sendable, Codable, Hashable {
    public var code: FindingCode
    public var severity: Severity
    public var title: String
    public var evidence: [String]
    public var fix: String
    /// Whether a default client (system trust store, host name check) would
    /// refuse the connection because of this alone.
    public var refusesClients: Bool

    public init(code: FindingCode, severity: Severity, title: String, evidence: [String], fix: String,
                refusesClients: Bool) {
        self.code = code
        self.severity = severity
        self.title = title
        self.evidence = evidence
        self.fix = fix
        self.refusesClients = refusesClients
    }
}

/// Stable finding codes (the raw values appear in `--format json`).
public enum FindingCode: String, Sendable, Codable, CaseIterable, Hashable {
    // Could not look at the certificate at all.
    case connectRefused = "connect.refused"
    case connectTimeout = "connect.timeout"
    case connectDNS = "connect.dns"
    case connectNotTLS = "connect.not-tls"
    case connectStartTLSRefused = "connect.starttls-refused"
    case connectHandshakeFailed = "connect.handshake-failed"
    case connectFailed = "connect.failed"
    case connectImplicitTLS = "connect.implicit-tls"
    case connectWrongProtocol = "connect.wrong-protocol"
    // The certificate itself.
    case certExpired = "cert.expired"
    case certNotYetValid = "cert.not-yet-valid"
    case certExpiresSoon = "cert.expires-soon"
    case certNameMismatch = "cert.name-mismatch"
    case certValidityTooLong = "cert.validity-too-long"
    case certMustStapleWithoutStaple = "cert.must-staple-missing"
    case certUnparseable = "cert.unparseable"
    case keyWeak = "key.weak"
    case signatureWeak = "signature.weak"
    // The chain.
    case chainIncomplete = "chain.incomplete"
    case chainSelfSigned = "chain.self-signed"
    case chainUntrustedRoot = "chain.untrusted-root"
    case chainWrongOrder = "chain.wrong-order"
    case chainIncludesRoot = "chain.includes-root"
    case chainIntermediateExpiresFirst = "chain.intermediate-expires-first"
    case verifyFailed = "verify.failed"
    // The handshake.
    case clientCertRequired = "client-cert.required"
    case clientCertOptional = "client-cert.optional"
    case sessionRefusedAfterTLS = "session.refused-after-tls"
    case protocolDeprecatedAccepted = "protocol.deprecated-accepted"
    case protocolOnlyDeprecated = "protocol.only-deprecated"
}
