import ArgumentParser
import CLMCore
import CLMInventory
import Foundation

/// Options every command that touches the inventory shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Inventory database (default: STATE_DIR/inventory.sqlite).", valueName: "path"),
            completion: .file())
    var db: String?

    @Flag(name: [.short, .long], help: "Print only results and errors: no progress, no summary lines.")
    var quiet = false

    /// Opens (creating if needed) the inventory, with a state dir of 0700.
    func openInventory() throws -> Inventory {
        let path: String
        if let db {
            path = db
            let parent = (db as NSString).deletingLastPathComponent
            if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
                throw CommandFailure.usage("--db \(db): directory \(parent) does not exist")
            }
        } else {
            let state = StateDirectory.current()
            do { try state.create() } catch { throw CommandFailure.failed(error.description) }
            path = state.inventoryPath
        }
        do { return try Inventory(path: path) } catch { throw CommandFailure.failed(error.description) }
    }
}

/// How a listing is printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

