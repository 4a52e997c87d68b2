internal import CSQLite

/// A prepared statement; finalized when released.
///
/// Not Sendable: a statement belongs to the connection (and thread) that
/// prepared it.
public final class SQLiteStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    public let sql: String

    init(connection: OpaquePointer, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        self.handle = statement
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds `values` to parameters 1...n, replacing earlier bindings.
    @discardableResult
    public func bind(_ values: [any SQLiteBindable]) throws(SQLiteError) -> SQLiteStatement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value.sqliteValue {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v): rc = sqlite3_bind_text(handle, index, v, -1, Self.transient)
            case .blob(let v):
                rc = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
            }
            guard rc == SQLITE_OK else { throw error(rc) }
        }
        return self
    }

    /// Advances to the next row; false when done.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let failure = error(rc)
            sqlite3_reset(handle)
            throw failure
        }
    }

    /// Runs a statement that returns no rows.
    public func run(_ values: [any SQLiteBindable] = []) throws(SQLiteError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Runs a query, calling `row` for each result row.
    public func query(_ values: [any SQLiteBindable] = [], _ row: (SQLiteRow) throws -> Void) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while try step() { try row(SQLiteRow(statement: self)) }
    }

    /// The first column of the first row, if any.
    public func scalarInt(_ values: [any SQLiteBindable] = []) throws(SQLiteError) -> Int64? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        guard try step(), !isNull(0) else { return nil }
        return int64(0)
    }

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }
    public func blob(_ column: Int32) -> [UInt8]? {
        guard let pointer = sqlite3_column_blob(handle, column) else { return isNull(column) ? nil : [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    private func error(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }
}

/// Read access to the current row of a statement during `query`.
public struct SQLiteRow {
    let statement: SQLiteStatement
    public func int64(_ column: Int32) -> Int64 { statement.int64(column) }
    public func int(_ column: Int32) -> Int { Int(statement.int64(column)) }
    public func bool(_ column: Int32) -> Bool { statement.int64(column) != 0 }
    public func double(_ column: Int32) -> Double { statement.double(column) }
    public func text(_ column: Int32) -> String? { statement.text(column) }
    public func string(_ column: Int32) -> String { statement.text(column) ?? "" }
    public func blob(_ column: Int32) -> [UInt8]? { statement.blob(column) }
    public func optionalInt64(_ column: Int32) -> Int64? { statement.isNull(column) ? nil : statement.int64(column) }
    public func isNull(_ column: Int32) -> Bool { statement.isNull(column) }
}
