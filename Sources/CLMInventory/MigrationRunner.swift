internal import CLMSQLite

/// Applies `Migrations/NNNN_name.sql` in order, each in its own transaction,
/// recording version, name and checksum in `schema_migration`.
///
/// Shipped migrations are append-only: a recorded checksum that no longer
/// matches means the binary and the database disagree about history, and
/// the runner refuses to continue rather than guess.
struct MigrationRunner: Sendable {
    let migrations: [EmbeddedMigration]

    init(migrations: [EmbeddedMigration] = EmbeddedMigrations.all) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The newest schema version this binary knows.
    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings `database` up to date; returns the versions it applied.
    @discardableResult
    func migrate(_ database: SQLiteDatabase) throws(InventoryError) -> [Int] {
        do {
            try database.execute("""
                CREATE TABLE IF NOT EXISTS schema_migration (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    checksum   TEXT NOT NULL,
                    applied_at INTEGER NOT NULL
                )
                """)
            var applied: [Int: String] = [:]
            try database.prepare("SELECT version, checksum FROM schema_migration").query { row in
                applied[row.int(0)] = row.string(1)
            }
            var ran: [Int] = []
            for migration in try Self.pending(migrations, applied: applied, path: database.path) {
                let checksum = Self.checksum(migration.sql)
                // Two commands opening a new inventory at once both saw the migration missing: the
                // write lock (BEGIN IMMEDIATE) orders them, and the second finds it applied inside it.
                let appliedNow = try database.transaction { () throws -> Bool in
                    var recorded: String?
                    try database.prepare("SELECT checksum FROM schema_migration WHERE version = ?").query([migration.version]) { row in
                        recorded = row.string(0)
                    }
                    if let recorded {
                        guard recorded == checksum else {
                            throw InventoryError.migrationChanged(path: database.path, version: migration.version, name: migration.name)
                        }
                        return false
                    }
                    try database.execute(migration.sql)
                    try database.prepare("INSERT INTO schema_migration (version, name, checksum, applied_at) VALUES (?, ?, ?, strftime('%s','now'))")
                        .run([migration.version, migration.name, checksum])
                    return true
                }
                if appliedNow { ran.append(migration.version) }
            }
            return ran
        } catch let error as InventoryError {
            throw error
        } catch let error as SQLiteError {
            throw InventoryError.database(error)
        } catch {
            throw InventoryError.database(SQLiteError(code: 1, message: "\(error)", path: database.path))
        }
    }

    /// FNV-1a 64 of the SQL text: detects edits to shipped migrations.
    /// (Integrity only; nothing here is adversarial.)
    /// The history rules every engine follows: a schema newer than this
    /// binary is refused, a shipped migration that was edited is refused;
    /// what is left is the migrations still to apply, in order.
    static func pending(_ migrations: [EmbeddedMigration], applied: [Int: String], path: String) throws(InventoryError) -> [EmbeddedMigration] {
        let latest = migrations.map(\.version).max() ?? 0
        if let newest = applied.keys.max(), newest > latest {
            throw InventoryError.schemaTooNew(path: path, databaseVersion: newest, binaryVersion: latest)
        }
        var pending: [EmbeddedMigration] = []
        for migration in migrations {
            guard let recorded = applied[migration.version] else { pending.append(migration); continue }
            guard recorded == checksum(migration.sql) else {
                throw InventoryError.migrationChanged(path: path, version: migration.version, name: migration.name)
            }
        }
        return pending
    }

    static func checksum(_ sql: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
