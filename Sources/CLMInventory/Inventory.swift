internal import CLMSQLite
internal import Foundation

/// The certificate inventory: one SQLite database, schema from
/// `Migrations/`, opened and migrated on first use.
///
/// Stages talk to the inventory through its stores, one per owner
/// (``scans``, ``issuance``, ``deploys``, ``audit``, ``metrics``; see
/// `Stores/`), never through SQL of their own: each store is a protocol a
/// shared PostgreSQL inventory can implement next. The SQLite handle stays
/// internal to this module.
///
/// Not Sendable: open one `Inventory` per thread that writes.
public final class Inventory {
    let database: SQLiteDatabase
    public let path: String
    /// Directories whose CA certificates count as the system trust store
    /// (role `trust-store` in the audit and the report).
    public var trustStoreDirectories = Inventory.systemTrustStoreDirectories

    /// Opens the inventory at `path`, creating it with mode 0600 and
    /// applying pending migrations.
    public convenience init(path: String) throws(InventoryError) {
        try self.init(path: path, migrations: MigrationRunner())
    }

    /// Tests migrate with a chosen list.
    init(path: String, migrations: MigrationRunner) throws(InventoryError) {
        self.path = path
        do {
            database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;", retryingBusyFor: 10)
        } catch {
            throw .database(error)
        }
        try migrations.migrate(database)
        Self.countOpen(path)
        // SQLite gives its WAL and shared-memory files the database's mode;
        // make sure a pre-existing database is private too.
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            chmod(path + suffix, 0o600)
        }
    }

    /// Tests count how often one command opens the inventory:
    /// `CLM_DEBUG_INVENTORY_OPENS=FILE` (an existing file) gets a line per open.
    private static func countOpen(_ path: String) {
        guard let file = ProcessInfo.processInfo.environment["CLM_DEBUG_INVENTORY_OPENS"],
              let handle = FileHandle(forWritingAtPath: file) else { return }
        handle.seekToEndOfFile()
        handle.write(Data("open \(path)\n".utf8))
        handle.closeFile()
    }

    /// Runs `body` in one transaction, turning failures into inventory errors.
    func write<T>(_ body: () throws -> T) throws(InventoryError) -> T {
        do { return try database.transaction(body) } catch let error as InventoryError {
            throw error
        } catch let error as SQLiteError {
            throw .database(error)
        } catch {
            throw .database(SQLiteError(code: 1, message: "\(error)", path: path))
        }
    }

    /// Runs a read-only `body`, turning failures into inventory errors.
    func read<T>(_ body: () throws -> T) throws(InventoryError) -> T {
        do { return try body() } catch let error as InventoryError {
            throw error
        } catch let error as SQLiteError {
            throw .database(error)
        } catch {
            throw .database(SQLiteError(code: 1, message: "\(error)", path: path))
        }
    }

    /// The schema version recorded in the database.
    func schemaVersion() throws(InventoryError) -> Int {
        try read { Int(try database.prepare("SELECT max(version) FROM schema_migration").scalarInt() ?? 0) }
    }
}
