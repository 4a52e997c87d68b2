import ArgumentParser
import CLMCore
import CLMDeploy
import Foundation

/// `--config PATH`, shared by the commands that read clm.yaml.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (default: $CLM_CONFIG, else /etc/clm/clm.yaml).", valueName: "path"),
            completion: .file())
    var config: String?

    var path: String { ConfigLoader.resolvePath(option: config, environment: ProcessInfo.processInfo.environment) }

    /// Loads and validates the config; a bad config is a usage error (exit 2).
    func load() throws -> ClmConfig {
        do { return try ConfigLoader().load(path: path) } catch { throw CommandFailure.usage(error.description) }
    }
}

/// `clm config check`
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with clm.yaml.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration; errors name the file, line and key (exit 2).")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let config = try options.load()
            let targets = config.certificates.reduce(0) { $0 + $1.targets.count }
            print("\(config.files.joined(separator: ", ")): ok, \(config.certificates.count) certificate(s), \(targets) deploy target(s)")
        }
    }
}

/// State dir and inventory path for the deploy-stage commands.
func deployState(_ global: GlobalOptions) throws -> (root: String, inventory: String) {
    let state = StateDirectory.current()
    do { try state.create() } catch { throw CommandFailure.state(error) }
    if let db = global.db {
        do { try StateDirectory.verifyTrustedFile(db) } catch { throw CommandFailure.state(error) }
    }
    return (state.path, global.db ?? state.inventoryPath)
}
