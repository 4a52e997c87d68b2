/// One thing the audit found: a value, never a thrown error. `clm audit`
/// reports it (text, JSON, CSV, SARIF) and the HTML report lists it.
///
/// `code` is stable across releases (scripts and SARIF consumers key on it);
/// `rule` is the policy name of the rule that produced it.
public struct Finding: Sendable, Hashable, Codable {
    public var code: String
    public var rule: String
    public var severity: Severity
    /// What it is about: a certificate's CN or first name, an endpoint, a key file.
    public var subject: String
    /// The certificate concerned, when there is one.
    public var fingerprint: String?
    /// Where: a file path or an endpoint (`host:port`).
    public var location: String?
    /// The host holding `location`, on a whole-fleet audit of a shared inventory.
    public var host: String?
    /// One sentence for an operator.
    public var message: String
    /// The facts behind the finding, by name.
    public var evidence: [String: String]
    /// What to do about it.
    public var fix: String

    public init(code: String, rule: String, severity: Severity, subject: String, fingerprint: String? = nil, location: String? = nil,
                host: String? = nil, message: String, evidence: [String: String] = [:], fix: String) {
        self.code = code
        self.rule = rule
        self.severity = severity
        self.subject = subject
        self.fingerprint = fingerprint
        self.location = location
        self.host = host
        self.message = message
        self.evidence = evidence
        self.fix = fix
    }

    /// Evidence as `key=value` pairs sorted by key, joined with "; ".
    public var evidenceText: String {
        evidence.keys.sorted().map { "\($0)=\(evidence[$0] ?? "")" }.joined(separator: "; ")
    }

    /// Findings ordered for people: most severe first, then code, subject, location.
    public static func reportOrder(_ lhs: Finding, _ rhs: Finding) -> Bool {
        if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
        if lhs.code != rhs.code { return lhs.code < rhs.code }
        if lhs.subject != rhs.subject { return lhs.subject < rhs.subject }
        if lhs.location != rhs.location { return (lhs.location ?? "") < (rhs.location ?? "") }
        return (lhs.host ?? "") < (rhs.host ?? "")
    }

    /// `location` for people: "[web1] /etc/ssl/a.pem" when a host is named.
    public var placeText: String? {
        location.map { HostLabel.prefix(host) + $0 }
    }
}
