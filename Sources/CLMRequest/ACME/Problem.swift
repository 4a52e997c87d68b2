/// RFC 8555 §6.7 / RFC 7807: a problem document, with subproblems (§6.7.1).
///
/// Clients SHOULD display the "detail" field of all errors (§6.7), so
/// ``description`` always names the type, the detail and every subproblem
/// with its identifier.
public struct Problem: Codable, Sendable, Hashable, CustomStringConvertible {
    public var type: String
    public var detail: String?
    public var status: Int?
    public var instance: String?
    public var subproblems: [Subproblem]?

    /// RFC 8555 §6.7.1: a problem about one identifier.
    public struct Subproblem: Codable, Sendable, Hashable {
        public var type: String
        public var detail: String?
        public var identifier: ACME.Identifier?
    }

    public init(type: String, detail: String? = nil, status: Int? = nil, subproblems: [Subproblem]? = nil) {
        self.type = type
        self.detail = detail
        self.status = status
        self.subproblems = subproblems
    }

    static let prefix = "urn:ietf:params:acme:error:"

    /// The short error name ("badNonce", "rateLimited", ...) for ACME types, else the full type.
    public var shortType: String { type.hasPrefix(Self.prefix) ? String(type.dropFirst(Self.prefix.count)) : type }

    public var isBadNonce: Bool { shortType == "badNonce" }
    public var isRateLimited: Bool { shortType == "rateLimited" }
    public var isServerInternal: Bool { shortType == "serverInternal" }

    public var description: String {
        var text = shortType
        if let detail, !detail.isEmpty { text += ": \(detail)" }
        for sub in subproblems ?? [] {
            let who = sub.identifier.map { "\($0.type) \($0.value)" } ?? "?"
            let short = sub.type.hasPrefix(Self.prefix) ? String(sub.type.dropFirst(Self.prefix.count)) : sub.type
            text += "\n  - \(who): \(short)" + (sub.detail.map { ": \($0)" } ?? "")
        }
        return text
    }
}
