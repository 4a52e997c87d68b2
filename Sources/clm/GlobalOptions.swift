import ArgumentParser
import CLMCore
import CLMInventory
import Foundation

/// Options every command that touches the inventory shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Inventory database (default: STATE_DIR/inventory.sqlite).", valueName: "path"),
            completion: .file())
    var db: String?

    @OptionGroup var logging: LogOptions

    var quiet: Bool { logging.quiet }
    var verbose: Bool { logging.verbose }
    var log: Log { logging.log }

    /// Opens (creating if needed) the inventory, with a state dir of 0700.
    func openInventory() throws -> Inventory {
        let path = try inventoryPath()
        do { return try Inventory(path: path) } catch { throw CommandFailure.failed(error.description) }
    }

    /// The inventory's path, with its state directory created (0700) when it is the default one.
    func inventoryPath() throws -> String {
        let path: String
        if let db {
            path = db
            let parent = (db as NSString).deletingLastPathComponent
            if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
                throw CommandFailure.usage("--db \(db): directory \(parent) does not exist")
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

