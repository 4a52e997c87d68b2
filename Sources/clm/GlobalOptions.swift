import ArgumentParser
import CLMCore
import CLMInventory
import CLMLifecycle
import CLMPostgres
import Foundation

/// Options every command that touches the inventory shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Inventory: a SQLite file, or a fleet's shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).",
                                            valueName: "path|url"),
            completion: .file())
    var db: String?

    @Option(name: .customLong("host-id"), help: ArgumentHelp("This host's name in a shared inventory (default: $CLM_HOST_ID, else the host name).", valueName: "id"))
    var hostID: String?

    @Option(name: .customLong("db-password-file"),
            help: ArgumentHelp("File holding the shared inventory's password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq's PGPASSFILE works too).",
                               valueName: "path"),
            completion: .file())
    var dbPasswordFile: String?

    @OptionGroup var logging: LogOptions

    var quiet: Bool { logging.quiet }
    var verbose: Bool { logging.verbose }
    var log: Log { logging.log }

    /// Opens (creating if needed) the inventory, with a state dir of 0700.
    func openInventory(scope: InventoryScope = .thisHost) throws -> Inventory {
        let location = try inventoryLocation().scoped(scope)
        do { return try location.open() } catch { throw CommandFailure.inventory(error) }
    }

    /// `--db`, else `CLM_DB`: the value naming the inventory, if any.
    var database: String? { db ?? ProcessInfo.processInfo.environment["CLM_DB"].flatMap { $0.isEmpty ? nil : $0 } }

    /// Where `database` came from, for messages.
    private var databaseSource: String { db != nil ? "--db" : "CLM_DB" }

    /// Which inventory, as which host: a shared PostgreSQL URL (options and
    /// environment first, then clm.yaml's `inventory:`), else the SQLite file.
    func inventoryLocation(settings: InventorySettings? = nil) throws -> InventoryTarget {
        let environment = ProcessInfo.processInfo.environment
        let host = hostID ?? environment["CLM_HOST_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? settings?.hostID ?? Inventory.defaultHostID
        guard !host.trimmingCharacters(in: .whitespaces).isEmpty, !host.contains(where: \.isNewline) else {
            throw CommandFailure.usage("--host-id: a host id is a non-empty name on one line")
        }
        try Self.refuseUnknownScheme(database, source: databaseSource)
        guard let value = database ?? settings?.url, let url = PostgresURL(value) else {
            return InventoryTarget(engine: .sqlite(path: try inventoryPath()), hostID: host)
        }
        var options = PostgresConnection.Options()
        if let file = dbPasswordFile {
            options.password = try Self.readPassword(file, setting: "--db-password-file")
        } else if let file = environment["CLM_DB_PASSWORD_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            options.password = try Self.readPassword(file, setting: "CLM_DB_PASSWORD_FILE")
        } else if let file = settings?.passwordFile {
            options.password = try Self.readPassword(file, setting: "inventory: password_file:")
        }
        return InventoryTarget(engine: .shared(SharedInventoryAddress(url: url, options: options)), hostID: host)
    }

    /// A value that looks like a URL but is not a postgresql:// one is a typo,
    /// not a file name: refuse it, with any password in it redacted.
    static func refuseUnknownScheme(_ value: String?, source: String) throws {
        guard let value, !PostgresURL.isPostgres(value), let colon = value.firstIndex(of: ":"),
              value[value.index(after: colon)...].hasPrefix("/"), value[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
              value[..<colon].count > 1 else { return }
        throw CommandFailure.usage("\(source) \(PostgresURL.redact(value)): not a postgresql:// URL (a shared inventory is postgresql://user@host/db; a SQLite inventory is a file path)")
    }

    /// A password file: one line, not readable by group or others (like ~/.pgpass).
    static func readPassword(_ path: String, setting: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CommandFailure.usage("\(setting) \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw CommandFailure.usage("\(setting) \(path): mode \(String(info.st_mode & 0o777, radix: 8)) lets others read it; chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure.usage("\(setting) \(path): cannot read it as text")
        }
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// The inventory's path, with its state directory created (0700) when it is the default one.
    func inventoryPath() throws -> String {
        let path: String
        try Self.refuseUnknownScheme(database, source: databaseSource)
        if let db = database, !PostgresURL.isPostgres(db) {
            path = db
            let parent = (db as NSString).deletingLastPathComponent
            if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
                throw CommandFailure.usage("\(databaseSource) \(db): directory \(parent) does not exist")
            }
            do { try StateDirectory.verifyTrustedFile(db) } catch { throw CommandFailure.state(error) }
        } else {
            let state = StateDirectory.current()
            do { try state.create() } catch { throw CommandFailure.state(error) }
            path = state.inventoryPath
        }
        return path
    }
}

/// `--quiet`, `--verbose`, `--log-format`: on every command, so every
/// message (errors included) goes through one log in one format.
struct LogOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).")
    var quiet = false

    @Flag(name: [.short, .long], help: "Log debug details.")
    var verbose = false

    @Option(name: .long, help: "Log line format on standard error: text or json (for log shippers).")
    var logFormat: LogFormatArgument = .text

    /// The log every stage writes to (standard error). `--quiet` keeps
    /// errors only, as certbot's does: a successful cron run prints nothing.
    var log: Log {
        Log(format: logFormat == .json ? .json : .text, minimum: verbose ? .debug : quiet ? .error : .info)
    }
}

enum LogFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// How a listing is printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}


/// `--host H` / `--all-hosts`: whose records a read shows on a shared
/// inventory. Writes always go to this host's records.
struct HostScopeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Show this host's records of a shared inventory (read-only).", valueName: "id"))
    var host: String?

    @Flag(name: .customLong("all-hosts"), help: "Show every host's records of a shared inventory.")
    var allHosts = false

    func validate() throws {
        if host != nil, allHosts { throw ValidationError("give --host or --all-hosts, not both") }
    }

    /// The scope asked for, else `fallback`.
    func scope(default fallback: InventoryScope) -> InventoryScope {
        if let host { return .host(host) }
        return allHosts ? .allHosts : fallback
    }

    /// Opens the inventory scoped as asked. An embedded (SQLite) inventory
    /// holds one host's records: `--host` must name that host.
    func open(_ global: GlobalOptions, default fallback: InventoryScope) throws -> Inventory {
        let location = try global.inventoryLocation()
        if !location.isShared, let host, host != location.hostID {
            throw CommandFailure.usage("--host \(host): the SQLite inventory \(location) holds only this host's records (\(location.hostID)); --host and --all-hosts read a shared postgresql:// inventory")
        }
        if !location.isShared, allHosts {
            throw CommandFailure.usage("--all-hosts: the SQLite inventory \(location) holds only this host's records (\(location.hostID)); --host and --all-hosts read a shared postgresql:// inventory")
        }
        return try global.openInventory(scope: scope(default: fallback))
    }
}
