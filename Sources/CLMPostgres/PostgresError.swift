internal import Foundation

/// A PostgreSQL failure: what clm was doing, the server's or libpq's words,
/// the SQLSTATE when the server sent one, and the URL with its password redacted.
///
/// Parameter values are never part of the error: they may hold keys or
/// certificate material.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Could not connect: unreachable, refused, timed out, TLS or authentication failure.
        case connection
        /// The server refused a statement.
        case statement
        /// The connection broke during a statement (server stopped, network cut).
        case connectionLost
    }

    public let kind: Kind
    public let message: String
    public let sqlState: String?
    public let url: String
    public let sql: String?

    public init(kind: Kind, message: String, sqlState: String? = nil, url: String, sql: String? = nil) {
        self.kind = kind
        // libpq's messages run over lines ("...refused\n\tIs the server running..."): one line, for logs.
        let lines = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.message = PostgresURL.redact(lines.joined(separator: "; "))
        self.sqlState = sqlState
        self.url = PostgresURL.redact(url)
        self.sql = sql
    }

    /// 23505: a unique constraint said no.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// 28P01 / 28000: the server refused the credentials.
    public var isAuthenticationFailure: Bool { sqlState == "28P01" || sqlState == "28000" || message.contains("password authentication failed") }

    public var description: String {
        var text: String
        switch kind {
        case .connection: text = "cannot connect to PostgreSQL at \(url): \(message)"
        case .connectionLost: text = "lost the connection to PostgreSQL at \(url): \(message)"
        case .statement: text = "PostgreSQL at \(url): \(message)"
        }
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let sql { text += " - while executing `\(Self.flat(sql))`" }
        return text
    }

    private static func flat(_ sql: String) -> String {
        let text = sql.split(whereSeparator: { $0 == "\n" || $0 == " " || $0 == "\t" }).joined(separator: " ")
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
