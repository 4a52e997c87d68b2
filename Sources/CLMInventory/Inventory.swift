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
    /// The engine behind the stores.
    enum Backend {
        case sqlite(SQLiteDatabase)
        case postgres(PostgresSQLDatabase)
    }

    let backend: Backend
    /// The SQLite file, or the shared inventory's URL with its password redacted.
    public let path: String
    /// The host whose files, keys and deploys this inventory records
    /// (locations carry it on a shared inventory).
    public let hostID: String
    /// Whose records reads show (a shared inventory; SQLite holds one host's).
    public let scope: InventoryScope
    /// How to open more connections to a shared inventory.
    let sharedAddress: SharedInventoryAddress?
    /// Directories whose CA certificates count as the system trust store
    /// (role `trust-store` in the audit and the report).
    public var trustStoreDirectories = Inventory.systemTrustStoreDirectories

    /// Opens the inventory at `path`, creating it with mode 0600 and
    /// applying pending migrations.
    public convenience init(path: String, hostID: String = Inventory.defaultHostID) throws(InventoryError) {
        try self.init(path: path, migrations: MigrationRunner(), hostID: hostID)
    }

    /// Tests migrate with a chosen list.
    init(path: String, migrations: MigrationRunner, hostID: String = Inventory.defaultHostID) throws(InventoryError) {
        self.path = path
        self.hostID = hostID
        scope = .thisHost
        sharedAddress = nil
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;", retryingBusyFor: 10)
        } catch {
            throw .database(error)
        }
        try migrations.migrate(database)
        backend = .sqlite(database)
        Self.countOpen(path)
        // SQLite gives its WAL and shared-memory files the database's mode;
        // make sure a pre-existing database is private too.
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            chmod(path + suffix, 0o600)
        }
    }

    /// A shared inventory already connected, migrated and scoped (see ``SharedInventory``).
    init(shared database: PostgresSQLDatabase, address: SharedInventoryAddress, hostID: String, scope: InventoryScope) {
        backend = .postgres(database)
        path = database.location
        self.hostID = hostID
        self.scope = scope
        sharedAddress = address
    }

    /// The machine's host name: what a location records when no `--host-id` is given.
    public static var defaultHostID: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// True on the shared (PostgreSQL) inventory.
    public var isShared: Bool {
        if case .postgres = backend { return true }
        return false
    }

    /// The SQLite connection of an embedded inventory (its tests read it directly).
    var database: SQLiteDatabase {
        guard case .sqlite(let database) = backend else { preconditionFailure("not an SQLite inventory: \(path)") }
        return database
    }

    /// The connection, whichever engine it is.
    var sql: any SQLDatabase {
        switch backend {
        case .sqlite(let database): return database
        case .postgres(let database): return database
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
        do { return try sql.transaction(body) } catch { throw .wrap(error, path: path) }
    }

    /// Runs a read-only `body`, turning failures into inventory errors.
    func read<T>(_ body: () throws -> T) throws(InventoryError) -> T {
        do { return try body() } catch { throw .wrap(error, path: path) }
    }

    /// The schema version recorded in the database.
    func schemaVersion() throws(InventoryError) -> Int {
        try read { Int(try sql.prepare("SELECT max(version) FROM schema_migration").scalarInt() ?? 0) }
    }
}
