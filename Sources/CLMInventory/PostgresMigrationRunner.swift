public import CLMPostgres

/// Applies `Migrations/postgresql/NNNN_name.sql` with the same rules as
/// ``MigrationRunner`` for SQLite: version plus checksum in
/// `schema_migration`, a newer schema is refused, an edited migration is
/// refused, one transaction per migration. Hosts that start at once take a
/// PostgreSQL advisory lock first, so the schema is migrated once.
struct PostgresMigrationRunner: Sendable {
    /// "clm_mig": one key for every clm host migrating the same database.
    static let lockKey: Int64 = 0x636C_6D5F_6D69_67
    let migrations: [EmbeddedMigration]

    init(migrations: [EmbeddedMigration] = EmbeddedMigrations.postgresql) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    var latestVersion: Int { migrations.last?.version ?? 0 }

    @discardableResult
    func migrate(_ database: PostgresConnection) throws(InventoryError) -> [Int] {
        let where_ = database.url.redacted
        do {
            return try database.withAdvisoryLock(Self.lockKey) {
                try database.execute("""
                    CREATE TABLE IF NOT EXISTS schema_migration (
                        version    integer PRIMARY KEY,
                        name       text NOT NULL,
                        checksum   text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
                let rows = try database.execute("SELECT version, checksum FROM schema_migration")
                var applied: [Int: String] = [:]
                for index in 0..<rows.count {
                    if let version = rows.int(index, "version") { applied[Int(version)] = rows.string(index, "checksum") }
                }
                var ran: [Int] = []
                // Under the advisory lock nobody else migrates: what is pending now stays pending.
                for migration in try MigrationRunner.pending(migrations, applied: applied, path: where_) {
                    let checksum = MigrationRunner.checksum(migration.sql)
                    try database.transaction {
                        try database.executeScript(migration.sql)
                        try database.execute("INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)",
                                             [.int(Int64(migration.version)), .text(migration.name), .text(checksum)])
                    }
                    ran.append(migration.version)
                }
                return ran
            }
        } catch {
            throw InventoryError.wrap(error, path: where_)
        }
    }
}

/// The shared inventory's schema: what a host runs before using a
/// PostgreSQL inventory (the migration set itself stays internal, like SQLite's).
public enum PostgresSchema {
    /// Brings the database up to date under the advisory lock; returns the versions applied.
    @discardableResult
    public static func migrate(_ database: PostgresConnection) throws(InventoryError) -> [Int] {
        try PostgresMigrationRunner().migrate(database)
    }

    /// The newest PostgreSQL schema version this binary knows.
    public static var latestVersion: Int { PostgresMigrationRunner().latestVersion }
}
