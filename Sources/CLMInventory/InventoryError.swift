public import CLMSQLite
public import CLMPostgres

/// What can go wrong opening or using the inventory.
public enum InventoryError: Error, Sendable, CustomStringConvertible {
    case schemaTooNew(path: String, databaseVersion: Int, binaryVersion: Int)
    case migrationChanged(path: String, version: Int, name: String)
    case database(SQLiteError)
    /// The shared inventory (PostgreSQL) failed; the URL in it is redacted.
    case postgres(PostgresError)
    /// The shared inventory's layout refuses this host (a host id collision, an unknown `--host`).
    case fleet(String)
    case notFound(String)
    case ambiguous(String, matches: Int)
    /// Another file scan holds this inventory's scan lock.
    case scanRunning(path: String, pid: Int32?)

    public var description: String {
        switch self {
        case .schemaTooNew(let path, let databaseVersion, let binaryVersion):
            return "inventory \(path) has schema version \(databaseVersion), but this clm only knows up to \(binaryVersion): it was written by a newer clm; upgrade clm (the database was not modified)"
        case .migrationChanged(let path, let version, let name):
            return "inventory \(path): migration \(version) (\(name)) differs from the one applied to this database; shipped migrations must never be edited"
        case .database(let error):
            return "inventory: \(error)"
        case .postgres(let error):
            return "shared inventory: \(error)"
        case .fleet(let message):
            return "shared inventory: \(message)"
        case .notFound(let key):
            return "no certificate in the inventory matches '\(key)' (use an id from `clm inventory list` or a SHA-256 fingerprint)"
        case .ambiguous(let key, let matches):
            return "'\(key)' matches \(matches) certificates; give more of the fingerprint"
        case .scanRunning(let path, let pid):
            let holder = pid.map { " (pid \($0))" } ?? ""
            return "another scan\(holder) is running against inventory \(path); nothing was recorded, try again when it has finished"
        }
    }

    /// The operator's setup must change (a shared inventory that cannot be
    /// reached or refuses the login, a host id collision): commands exit 2.
    public var isSetupProblem: Bool {
        switch self {
        case .postgres(let error): return error.kind == .connection
        case .fleet: return true
        default: return false
        }
    }

    /// Any error from inventory code, as an `InventoryError`.
    public static func wrap(_ error: any Error, path: String) -> InventoryError {
        if let error = error as? InventoryError { return error }
        if let error = error as? SQLiteError { return .database(error) }
        if let error = error as? PostgresError { return .postgres(error) }
        return .database(SQLiteError(code: 1, message: "\(error)", path: path))
    }
}
