internal import CLMSQLite
internal import CLMPostgres

/// The shared inventory's connection seen through ``SQLDatabase``: the
/// stores' `?` placeholders become `$1...$n`, parameters travel apart from
/// the SQL, and rows are read from PostgreSQL's text format.
final class PostgresSQLDatabase: SQLDatabase {
    let connection: PostgresConnection
    private var statements: [String: PostgresSQLStatement] = [:]
    fileprivate(set) var changes = 0

    init(connection: PostgresConnection) { self.connection = connection }

    var dialect: SQLDialect { .postgres }
    var location: String { connection.url.redacted }

    func execute(_ sql: String) throws { try connection.executeScript(sql) }

    func prepare(_ sql: String) throws -> PostgresSQLStatement {
        PostgresSQLStatement(database: self, sql: Self.numberingPlaceholders(sql))
    }

    func cached(_ sql: String) throws -> PostgresSQLStatement {
        if let statement = statements[sql] { return statement }
        let statement = try prepare(sql)
        statements[sql] = statement
        return statement
    }

    func transaction<T>(_ body: () throws -> T) throws -> T { try connection.transaction(body) }

    fileprivate func run(_ sql: String, _ values: [any SQLiteBindable]) throws -> PostgresRows {
        let rows = try connection.execute(sql, values.map(Self.parameter))
        changes = rows.affected
        return rows
    }

    private static func parameter(_ value: any SQLiteBindable) -> PostgresValue {
        switch value.sqliteValue {
        case .null: return .null
        case .integer(let number): return .int(number)
        case .real(let number): return .text(String(number))
        case .text(let text): return .text(text)
        case .blob(let bytes): return .bytes(bytes)
        }
    }

    /// `?` outside quotes becomes `$1`, `$2`, ... in order.
    static func numberingPlaceholders(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}

final class PostgresSQLStatement: SQLStatement {
    private unowned let database: PostgresSQLDatabase
    let sql: String

    init(database: PostgresSQLDatabase, sql: String) {
        self.database = database
        self.sql = sql
    }

    func run(_ values: [any SQLiteBindable]) throws { _ = try database.run(sql, values) }

    func query(_ values: [any SQLiteBindable], _ row: (PostgresSQLRow) throws -> Void) throws {
        for values in try database.run(sql, values).rows { try row(PostgresSQLRow(values: values)) }
    }

    func scalarInt(_ values: [any SQLiteBindable]) throws -> Int64? {
        guard let first = try database.run(sql, values).rows.first, let value = first.first ?? nil else { return nil }
        return PostgresSQLRow.integer(value)
    }
}

/// One row in PostgreSQL's text format. Flags are integer columns in both
/// engines; a boolean expression reads as `t`/`f`.
struct PostgresSQLRow: SQLRow {
    let values: [String?]

    private func value(_ column: Int32) -> String? {
        Int(column) < values.count ? values[Int(column)] : nil
    }

    static func integer(_ text: String) -> Int64 {
        if let number = Int64(text) { return number }
        if text == "t" { return 1 }
        if let number = Double(text) { return Int64(number) }  // numeric aggregates (sum, avg)
        return 0
    }

    func int64(_ column: Int32) -> Int64 { value(column).map(Self.integer) ?? 0 }
    func int(_ column: Int32) -> Int { Int(int64(column)) }
    func bool(_ column: Int32) -> Bool { int64(column) != 0 }
    func double(_ column: Int32) -> Double { value(column).flatMap(Double.init) ?? 0 }
    func text(_ column: Int32) -> String? { value(column) }
    func string(_ column: Int32) -> String { value(column) ?? "" }
    func blob(_ column: Int32) -> [UInt8]? { value(column).flatMap(PostgresRows.bytea) }
    func optionalInt64(_ column: Int32) -> Int64? { value(column).map(Self.integer) }
    func isNull(_ column: Int32) -> Bool { value(column) == nil }
}
