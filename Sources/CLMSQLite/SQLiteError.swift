/// A SQLite failure: result code, SQLite's message and the SQL that ran.
///
/// Bound values are never part of the error: they may hold secrets or
/// certificate material an operator did not ask to see.
public struct SQLiteError: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let sql: String?
    public let path: String?

    public init(code: Int32, message: String, sql: String? = nil, path: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// SQLITE_BUSY / SQLITE_LOCKED: another process holds the database.
    public var isBusy: Bool { code & 0xFF == 5 || code & 0xFF == 6 }
    /// SQLITE_CONSTRAINT.
    public var isConstraintViolation: Bool { code & 0xFF == 19 }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let path { text += " (database \(path))" }
        if let sql { text += " - while executing `\(sql.trimmingCharacters(in: 200))`" }
        return text
    }
}

extension String {
    fileprivate func trimmingCharacters(in limit: Int) -> String {
        let flat = split(whereSeparator: { $0 == "\n" || $0 == " " || $0 == "\t" }).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}
