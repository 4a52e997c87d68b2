internal import CLMCore
internal import Foundation

extension AuditReport {
    /// JSON with every field: `{policy, sources, generated_at, summary, findings: [...]}`.
    public func json() -> String {
        struct Document: Encodable {
            let policy: String
            let sources: [String]
            let generatedAt: String
            let summary: [String: Int]
            let findings: [FindingJSON]

            enum CodingKeys: String, CodingKey {
                case policy, sources, summary, findings
                case generatedAt = "generated_at"
            }
        }
        var summary: [String: Int] = [:]
        for severity in Severity.allCases { summary[severity.rawValue] = counts[severity] ?? 0 }
        let document = Document(policy: policy, sources: sources, generatedAt: generatedAt.ISO8601Format(), summary: summary,
                                findings: findings.map(FindingJSON.init))
        return Self.encode(document)
    }

    /// RFC 4180 CSV, one finding per row; evidence as `key=value; ...`; `host` last (added later: the columns before keep their places).
    public func csv() -> String {
        var out = Self.csvRow(["severity", "code", "rule", "subject", "location", "fingerprint", "message", "evidence", "fix", "host"])
        for finding in findings {
            out += Self.csvRow([finding.severity.rawValue, finding.code, finding.rule, finding.subject, finding.location ?? "",
                                finding.fingerprint ?? "", finding.message, finding.evidenceText, finding.fix, finding.host ?? ""])
        }
        return out
    }

    static func csvRow(_ fields: [String]) -> String { CSV.row(fields) }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

struct FindingJSON: Encodable {
    let code: String
    let rule: String
    let severity: String
    let subject: String
    let fingerprint: String?
    let location: String?
    let host: String?
    let message: String
    let evidence: [String: String]
    let fix: String

    init(_ finding: Finding) {
        code = finding.code
        rule = finding.rule
        severity = finding.severity.rawValue
        subject = finding.subject
        fingerprint = finding.fingerprint
        location = finding.location
        host = finding.host
        message = finding.message
        evidence = finding.evidence
        fix = finding.fix
    }

    func encode(to encoder: any Encoder) throws {
        enum Key: String, CodingKey { case code, rule, severity, subject, fingerprint, location, host, message, evidence, fix }
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(code, forKey: .code)
        try container.encode(rule, forKey: .rule)
        try container.encode(severity, forKey: .severity)
        try container.encode(subject, forKey: .subject)
        try container.encode(fingerprint, forKey: .fingerprint)   // null rather than absent: stable columns for scripts
        try container.encode(location, forKey: .location)
        try container.encode(host, forKey: .host)
        try container.encode(message, forKey: .message)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(fix, forKey: .fix)
    }
}
