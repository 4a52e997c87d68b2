internal import Foundation

/// A PostgreSQL connection string as the operator wrote it
/// (`postgresql://clm:secret@db.example:5432/clm?sslmode=verify-full`),
/// and the same string safe to print: the password never reaches a log line
/// or an error message.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Accepts the URI forms libpq accepts (`postgresql://` and `postgres://`).
    public init?(_ text: String) {
        guard text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") else { return nil }
        self.text = text
    }

    /// Is `text` meant for PostgreSQL (rather than a SQLite path)?
    public static func isPostgres(_ text: String) -> Bool { PostgresURL(text) != nil }

    /// The URL with its password (userinfo or `password=` parameter) replaced by `***`.
    public var redacted: String { Self.redact(text) }

    public var description: String { redacted }

    /// Redacts every password form in `text`, which may be a URL or a
    /// message that quotes one.
    public static func redact(_ text: String) -> String {
        var out = text
        // user:password@ in any URL inside the text (a mistyped scheme, "postgressql:/", too).
        if let regex = try? NSRegularExpression(pattern: #"([A-Za-z][A-Za-z0-9+.-]*:/+[^:/@\s]*):[^@\s]*@"#) {
            out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "$1:***@")
        }
        // password=... as a URL parameter or a keyword/value pair.
        if let regex = try? NSRegularExpression(pattern: #"(password=)[^&\s]*"#, options: [.caseInsensitive]) {
            out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "$1***")
        }
        return out
    }
}
