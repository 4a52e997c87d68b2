internal import Foundation
internal import CSQLite

/// One SQLite connection.
///
/// Not Sendable: a connection and its statements are used by one thread at
/// a time. Open one per thread that needs the database.
public final class SQLiteDatabase {
    private let handle: OpaquePointer
    public let path: String
    private var statementCache: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database at `path`. A new file is
    /// created with mode 0600 before SQLite touches it.
    public init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        if !readOnly, path != ":memory:" {
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd < 0 {
                throw SQLiteError(code: SQLITE_CANTOPEN, message: String(cString: strerror(errno)), path: path)
            }
            close(fd)
        }
        var connection: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &connection, flags, nil)
        guard rc == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let connection { sqlite3_close_v2(connection) }
            throw SQLiteError(code: rc, message: message, path: path)
        }
        self.handle = connection
        sqlite3_busy_timeout(connection, 10_000)
        sqlite3_extended_result_codes(connection, 1)
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that take no parameters.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: text, sql: sql, path: path)
        }
    }

    /// Runs `sql` like ``execute(_:)``, retrying while the database is busy
    /// for up to `seconds`. For statements SQLite answers SQLITE_BUSY without
    /// calling the busy handler: switching a brand-new file to WAL while
    /// another process creates its schema is one.
    public func execute(_ sql: String, retryingBusyFor seconds: Double) throws(SQLiteError) {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do { return try execute(sql) } catch where error.isBusy && Date() < deadline {
                usleep(20_000)
            }
        }
    }

    /// A new prepared statement.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        do { return try SQLiteStatement(connection: handle, sql: sql) } catch {
            throw SQLiteError(code: error.code, message: error.message, sql: sql, path: path)
        }
    }

    /// A prepared statement kept for the connection's lifetime (hot paths).
    public func cached(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statementCache[sql] { return statement }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE, so writers queue up
    /// front instead of failing midway); rolls back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }
}
