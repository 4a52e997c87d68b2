internal import CLMSQLite

// The SQL surface the inventory stores are written against, so one set of
// store code runs on both engines: the embedded SQLite file and the shared
// PostgreSQL inventory. SQLite's wrapper types conform as they are; the
// PostgreSQL adapter (`PostgresSQLDatabase`) translates placeholders and
// reads PostgreSQL's text-format rows. Statements stay portable SQL; the few
// spots where the engines differ ask ``SQLDialect``.

/// Which engine a statement runs on, for the few spellings that differ.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The larger of two values (SQLite's two-argument `max`).
    var greatest: String { self == .sqlite ? "max" : "greatest" }
}

/// One result row; columns are numbered from 0.
protocol SQLRow {
    func int64(_ column: Int32) -> Int64
    func int(_ column: Int32) -> Int
    func bool(_ column: Int32) -> Bool
    func double(_ column: Int32) -> Double
    func text(_ column: Int32) -> String?
    func string(_ column: Int32) -> String
    func blob(_ column: Int32) -> [UInt8]?
    func optionalInt64(_ column: Int32) -> Int64?
    func isNull(_ column: Int32) -> Bool
}

/// A prepared statement with `?` placeholders.
protocol SQLStatement: AnyObject {
    associatedtype Row: SQLRow
    func run(_ values: [any SQLiteBindable]) throws
    func query(_ values: [any SQLiteBindable], _ row: (Row) throws -> Void) throws
    func scalarInt(_ values: [any SQLiteBindable]) throws -> Int64?
}

extension SQLStatement {
    func run() throws { try run([]) }
    func query(_ row: (Row) throws -> Void) throws { try query([], row) }
    func scalarInt() throws -> Int64? { try scalarInt([]) }
}

/// One connection to an inventory database, used by one thread at a time.
protocol SQLDatabase: AnyObject {
    associatedtype Statement: SQLStatement
    var dialect: SQLDialect { get }
    /// Where the database is, for messages (a PostgreSQL URL is redacted).
    var location: String { get }
    func execute(_ sql: String) throws
    func prepare(_ sql: String) throws -> Statement
    /// A statement kept for the connection's lifetime (hot paths).
    func cached(_ sql: String) throws -> Statement
    /// Runs `body` in one transaction that takes the write lock up front.
    func transaction<T>(_ body: () throws -> T) throws -> T
    /// Rows the last INSERT, UPDATE or DELETE touched.
    var changes: Int { get }
}

extension SQLiteRow: SQLRow {}
extension SQLiteStatement: SQLStatement {}
extension SQLiteDatabase: SQLDatabase {
    var dialect: SQLDialect { .sqlite }
    var location: String { path }
}
