internal import CLMPostgres
internal import Foundation

/// The layout of a shared inventory (docs/fleet.md): shared tables in
/// `public`, one schema per host holding that host's records (the same
/// tables and columns as SQLite, so the stores' SQL runs unchanged), and a
/// `fleet` schema of views that show every host at once with a `host_id`
/// column. A scan on host A therefore cannot touch host B's rows: they are
/// not in A's search path.
enum FleetSchema {
    /// "clm_host": registering hosts and migrating their schemas, one process at a time.
    static let lockKey: Int64 = 0x636C_6D5F_686F_7374

    /// Host tables the fleet views show. `audit_run` stays out: an audit
    /// reading the fleet records its run in its own host's table.
    static let fleetTables = [
        "location", "private_key", "file_state", "scan", "scan_warning", "endpoint", "site", "acme_account", "acme_order",
        "managed_certificate", "managed_certificate_domain", "deploy_run", "hook_run", "renewal_run", "notification_state",
    ]

    /// A schema name safe to splice into SQL for any host id: a 64-bit
    /// FNV-1a of the id (the registry's UNIQUE constraint refuses a collision).
    static func schemaName(for hostID: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in hostID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return "clm_host_" + String(hash, radix: 16)
    }

    /// Migrates the shared schema, registers `hostID` and brings every host
    /// schema to this binary's version; returns this host's schema.
    static func prepare(_ connection: PostgresConnection, hostID: String) throws(InventoryError) -> String {
        let own = schemaName(for: hostID)
        let latest = PostgresMigrationRunner(migrations: EmbeddedMigrations.postgresqlHost).latestVersion
        do {
            try connection.executeScript("SET search_path = public")
            try PostgresMigrationRunner().migrate(connection)
            // The common case, one round trip: this host is known and every host schema is current.
            let ready = try connection.execute("""
                SELECT (SELECT count(*) FROM fleet_host WHERE host_id = $1 AND schema_name = $2)
                     - (SELECT count(*) FROM fleet_host WHERE version <> $3) AS ready
                """, [.text(hostID), .text(own), .int(Int64(latest))])
            if ready.int(0, "ready") == 1 { return own }
            try connection.withAdvisoryLock(lockKey) {
                try register(connection, hostID: hostID, schema: own)
                try migrateHostSchemas(connection, latest: latest)
            }
            return own
        } catch {
            throw .wrap(error, path: connection.url.redacted)
        }
    }

    private static func register(_ connection: PostgresConnection, hostID: String, schema: String) throws {
        let rows = try connection.execute("SELECT host_id FROM fleet_host WHERE schema_name = $1", [.text(schema)])
        if let other = rows.string(0, "host_id"), other != hostID {
            throw InventoryError.fleet("host id '\(hostID)' collides with '\(other)' in the shared inventory; choose another --host-id")
        }
        try connection.execute("INSERT INTO fleet_host (host_id, schema_name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                               [.text(hostID), .text(schema)])
    }

    /// Every host schema at `latest`, then the fleet views rebuilt over them
    /// (a union needs the same columns in every schema).
    private static func migrateHostSchemas(_ connection: PostgresConnection, latest: Int) throws {
        let hosts = try connection.execute("SELECT host_id, schema_name, version FROM fleet_host ORDER BY host_id")
        let runner = PostgresMigrationRunner(migrations: EmbeddedMigrations.postgresqlHost)
        for index in 0..<hosts.count {
            guard let schema = hosts.string(index, "schema_name"), hosts.int(index, "version") != Int64(latest) else { continue }
            try connection.executeScript("CREATE SCHEMA IF NOT EXISTS \(schema); SET search_path = \(schema), public")
            try runner.migrate(connection)
            try connection.executeScript("SET search_path = public")
            try connection.execute("UPDATE fleet_host SET version = $1 WHERE schema_name = $2", [.int(Int64(latest)), .text(schema)])
        }
        try rebuildFleetViews(connection)
    }

    private static func rebuildFleetViews(_ connection: PostgresConnection) throws {
        let hosts = try connection.execute("SELECT host_id, schema_name FROM fleet_host ORDER BY host_id")
        let members = (0..<hosts.count).compactMap { index -> (host: String, schema: String)? in
            guard let host = hosts.string(index, "host_id"), let schema = hosts.string(index, "schema_name") else { return nil }
            return (host, schema)
        }
        var script = "CREATE SCHEMA IF NOT EXISTS fleet;\n"
        for table in fleetTables {
            let union = members.map { "SELECT \(literal($0.host))::text AS host_id, t.* FROM \($0.schema).\(table) t" }
                .joined(separator: "\nUNION ALL ")
            script += "DROP VIEW IF EXISTS fleet.\(table);\nCREATE VIEW fleet.\(table) AS \(union);\n"
        }
        try connection.transaction { try connection.executeScript(script) }
    }

    /// Points unqualified table names at the records `scope` shows.
    static func setSearchPath(_ connection: PostgresConnection, scope: InventoryScope, own: String, hostID: String) throws(InventoryError) {
        do {
            switch scope {
            case .thisHost:
                try connection.executeScript("SET search_path = \(own), public")
            case .host(let other):
                let rows = try connection.execute("SELECT schema_name FROM fleet_host WHERE host_id = $1", [.text(other)])
                guard let schema = rows.string(0, "schema_name") else {
                    let known = try connection.execute("SELECT host_id FROM fleet_host ORDER BY host_id")
                    let names = (0..<known.count).compactMap { known.string($0, "host_id") }.joined(separator: ", ")
                    throw InventoryError.fleet("host '\(other)' has no records in the shared inventory (hosts: \(names))")
                }
                try connection.executeScript("SET search_path = \(schema), public")
            case .allHosts:
                try connection.executeScript("SET search_path = fleet, \(own), public")
            }
        } catch {
            throw .wrap(error, path: connection.url.redacted)
        }
    }

    /// Copies the fleet views a whole-fleet audit or report reads row by row
    /// into indexed temporary tables of the same names (`pg_temp` comes first
    /// in every search path): one pass over every host's rows, instead of
    /// every per-certificate lookup walking a union of all host schemas.
    static func snapshot(_ connection: PostgresConnection) throws(InventoryError) {
        do {
            try connection.executeScript("""
                CREATE TEMP TABLE location AS SELECT * FROM fleet.location;
                CREATE INDEX ON pg_temp.location (certificate_id);
                CREATE INDEX ON pg_temp.location (kind, ref COLLATE "C");
                CREATE TEMP TABLE private_key AS SELECT * FROM fleet.private_key;
                CREATE INDEX ON pg_temp.private_key (spki_sha256);
                CREATE TEMP TABLE site AS SELECT * FROM fleet.site;
                CREATE INDEX ON pg_temp.site (certificate_path);
                CREATE TEMP TABLE endpoint AS SELECT * FROM fleet.endpoint;
                ANALYZE pg_temp.location; ANALYZE pg_temp.private_key; ANALYZE pg_temp.site; ANALYZE pg_temp.endpoint;
                """)
        } catch {
            throw .wrap(error, path: connection.url.redacted)
        }
    }

    /// A SQL string literal.
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
