internal import Foundation
internal import CPostgres

/// One libpq connection.
///
/// Not Sendable: a connection is used by one thread at a time, like
/// ``CLMSQLite/SQLiteDatabase``. Every wait is bounded: the connect by
/// `connect_timeout`, a statement by `statement_timeout`, a dead peer by TCP
/// keepalives and `tcp_user_timeout`.
public final class PostgresConnection {
    private let handle: OpaquePointer
    public let url: PostgresURL

    public struct Options: Sendable {
        public var connectTimeoutSeconds = 10
        public var statementTimeoutSeconds = 60
        /// A password read from a file the operator named (`password_file:`);
        /// libpq's own PGPASSFILE / ~/.pgpass work without it.
        public var password: String?
        public init(connectTimeoutSeconds: Int = 10, statementTimeoutSeconds: Int = 60, password: String? = nil) {
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.statementTimeoutSeconds = statementTimeoutSeconds
            self.password = password
        }
    }

    public init(url: PostgresURL, options: Options = Options()) throws(PostgresError) {
        self.url = url
        // Defaults first, then the URL (its own settings win), then a password from a file.
        var pairs: [(String, String)] = [
            ("connect_timeout", String(options.connectTimeoutSeconds)),
            ("application_name", "clm"),
            ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
            ("tcp_user_timeout", String(max(options.statementTimeoutSeconds, options.connectTimeoutSeconds) * 1000)),
            ("dbname", url.text),
        ]
        if let password = options.password { pairs.append(("password", password)) }
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection: OpaquePointer? = (keywords.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keys in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { vals in
                PQconnectdbParams(keys.baseAddress, vals.baseAddress, 1)
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connection, message: "out of memory", url: url.text)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(kind: .connection, message: message, url: url.text)
        }
        handle = connection
        // Server notices ("... already exists, skipping") would go to stderr by default.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        try execute("SET statement_timeout = \(options.statementTimeoutSeconds * 1000)")
    }

    deinit { PQfinish(handle) }

    /// The server's major version (15 for 15.x).
    public var serverMajorVersion: Int { Int(PQserverVersion(handle)) / 10_000 }

    /// Runs one statement and returns its rows (none for commands).
    /// Parameters are sent apart from the SQL text, never spliced into it.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = []) throws(PostgresError) -> PostgresRows {
        let result = run(sql, parameters)
        defer { PQclear(result) }
        return try rows(of: result, sql: sql)
    }

    /// Runs SQL text that may hold several statements and takes no
    /// parameters (a migration, a schema's DDL).
    public func executeScript(_ sql: String) throws(PostgresError) {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        _ = try rows(of: result, sql: sql)
    }

    /// Runs `body` in a transaction; rolls back when it throws.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// Holds a session advisory lock on `key` while `body` runs: one host at a
    /// time does what `body` does (a migration), the others wait their turn.
    public func withAdvisoryLock<T>(_ key: Int64, _ body: () throws -> T) throws -> T {
        try execute("SELECT pg_advisory_lock($1)", [.text(String(key))])
        defer { _ = try? execute("SELECT pg_advisory_unlock($1)", [.text(String(key))]) }
        return try body()
    }

    private func run(_ sql: String, _ parameters: [PostgresValue]) -> OpaquePointer? {
        let buffers: [[CChar]?] = parameters.map { value in
            switch value {
            case .null: return nil
            case let .text(text): return Array(text.utf8CString)
            case let .bytes(bytes): return bytes.map { CChar(bitPattern: $0) }
            }
        }
        let lengths = parameters.map { value -> Int32 in
            if case let .bytes(bytes) = value { return Int32(bytes.count) }
            return 0
        }
        let formats = parameters.map { value -> Int32 in
            if case .bytes = value { return 1 }
            return 0
        }
        return withPointers(buffers) { pointers in
            PQexecParams(handle, sql, Int32(parameters.count), nil, pointers, lengths, formats, 0)
        }
    }

    /// Keeps every parameter buffer alive for the duration of the call.
    private func withPointers<R>(_ buffers: [[CChar]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer { owned.forEach { $0.deallocate() } }
        for buffer in buffers {
            guard let buffer else { pointers.append(nil); continue }
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(buffer.count, 1))
            copy.initialize(from: buffer, count: buffer.count)
            owned.append(copy)
            pointers.append(UnsafePointer(copy))
        }
        return body(pointers)
    }

    private func rows(of result: OpaquePointer?, sql: String) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw error(kind: PQstatus(handle) == CONNECTION_OK ? .statement : .connectionLost, sql: sql)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(columns: [], rows: [], affected: Int(String(cString: PQcmdTuples(result))) ?? 0)
        case PGRES_TUPLES_OK:
            let columnCount = Int(PQnfields(result))
            let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
            var rows: [[String?]] = []
            rows.reserveCapacity(Int(PQntuples(result)))
            for row in 0..<PQntuples(result) {
                rows.append((0..<Int32(columnCount)).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
            }
            return PostgresRows(columns: columns, rows: rows, affected: rows.count)
        default:
            let field = PQresultErrorField(result, Int32(UInt8(ascii: "C")))  // PG_DIAG_SQLSTATE
            let state = field.map { String(cString: $0) }
            // The primary message only: DETAIL lines quote row values ("Key (name)=(...) already exists").
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M")))  // PG_DIAG_MESSAGE_PRIMARY
            let message = primary.map { String(cString: $0) } ?? String(cString: PQresultErrorMessage(result))
            let lost = PQstatus(handle) != CONNECTION_OK
            throw PostgresError(kind: lost ? .connectionLost : .statement, message: message, sqlState: state, url: url.text, sql: sql)
        }
    }

    private func error(kind: PostgresError.Kind, sql: String?) -> PostgresError {
        PostgresError(kind: kind, message: String(cString: PQerrorMessage(handle)), url: url.text, sql: sql)
    }
}

/// A statement parameter: text (numbers too, in their text form), raw bytes
/// (sent in binary, for bytea), or NULL.
public enum PostgresValue: Sendable, Hashable {
    case text(String)
    case bytes([UInt8])
    case null

    public static func int(_ value: Int64) -> PostgresValue { .text(String(value)) }
    public static func optional(_ value: String?) -> PostgresValue { value.map { .text($0) } ?? .null }
}

/// The rows of one statement, in PostgreSQL's text format.
public struct PostgresRows: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows returned, or rows a command touched (INSERT/UPDATE/DELETE).
    public let affected: Int

    public var count: Int { rows.count }

    public func string(_ row: Int, _ column: String) -> String? {
        guard row >= 0, row < rows.count, let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }

    public func int(_ row: Int, _ column: String) -> Int64? { string(row, column).flatMap { Int64($0) } }

    /// A bytea value (text format `\x0a1b...`).
    public func bytes(_ row: Int, _ column: String) -> [UInt8]? {
        string(row, column).flatMap(Self.bytea)
    }

    /// Decodes bytea's text format (`\x0a1b...`); nil when it is not one.
    public static func bytea(_ text: String) -> [UInt8]? {
        guard text.hasPrefix("\\x") else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((text.utf8.count - 2) / 2)
        var high: UInt8?
        for unit in text.utf8.dropFirst(2) {
            guard let nibble = Self.nibble(unit) else { return nil }
            if let h = high { out.append(h << 4 | nibble); high = nil } else { high = nibble }
        }
        return high == nil ? out : nil
    }

    private static func nibble(_ unit: UInt8) -> UInt8? {
        switch unit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return unit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return unit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return unit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
