public import CLMPostgres
internal import CLMSQLite
internal import Foundation

/// Where a fleet's shared inventory is: a PostgreSQL URL and how to connect.
public struct SharedInventoryAddress: Sendable {
    public let url: PostgresURL
    public var options: PostgresConnection.Options

    public init(url: PostgresURL, options: PostgresConnection.Options = .init()) {
        self.url = url
        self.options = options
    }
}

/// Which hosts' records a shared inventory shows. Writes always go to the
/// host's own records; only reads widen.
public enum InventoryScope: Sendable, Hashable {
    /// This host's files, keys, endpoints and deploys (the default).
    case thisHost
    /// Another host's records, read-only (`--host H`).
    case host(String)
    /// Every host's records (`--all-hosts`; audit, metrics and report).
    case allHosts
}

extension Inventory {
    /// Opens the shared inventory at `address` as host `hostID`: connects,
    /// migrates the shared schema and this host's schema (under advisory
    /// locks, so a fleet starting at once migrates once), and scopes reads.
    public convenience init(shared address: SharedInventoryAddress, hostID: String,
                            scope: InventoryScope = .thisHost) throws(InventoryError) {
        let connection: PostgresConnection
        do { connection = try PostgresConnection(url: address.url, options: address.options) } catch { throw .postgres(error) }
        let schemas = try FleetSchema.prepare(connection, hostID: hostID)
        try FleetSchema.setSearchPath(connection, scope: scope, own: schemas, hostID: hostID)
        self.init(shared: PostgresSQLDatabase(connection: connection), address: address, hostID: hostID, scope: scope)
    }

    /// The one host whose records reads show; nil when they show every host.
    var scopeHost: String? {
        switch scope {
        case .thisHost: return hostID
        case .host(let other): return other
        case .allHosts: return isShared ? nil : hostID
        }
    }

    /// Before a whole-fleet audit or report: their per-certificate lookups
    /// read an indexed snapshot of every host's rows (a no-op otherwise).
    public func snapshotFleet() throws(InventoryError) {
        guard case .postgres(let database) = backend, scope == .allHosts else { return }
        try FleetSchema.snapshot(database.connection)
    }

    /// A second connection that reads which fingerprints are known while
    /// this one writes a scan.
    func openFingerprintReader() throws(InventoryError) -> any FingerprintReader {
        switch backend {
        case .sqlite:
            do { return FingerprintLookup(database: try SQLiteDatabase(path: path, readOnly: true)) } catch { throw .database(error) }
        case .postgres:
            guard let address = sharedAddress else { throw .fleet("no address to open a second connection") }
            do {
                let connection = try PostgresConnection(url: address.url, options: address.options)
                try connection.executeScript("SET search_path = public")
                return FingerprintLookup(database: PostgresSQLDatabase(connection: connection))
            } catch { throw .postgres(error) }
        }
    }
}
