import ArgumentParser
import CLMCore
import CLMInventory
import CLMDeploy
import CLMLifecycle
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
        subcommands: [Check.self, Systemd.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and run the preflight checks `clm renew` runs before ordering (exit 2 on any problem).",
            discussion: """
                Syntax errors name the file, line and key. Preflight: every hook and check/reload command exists and is \
                executable, dns-01 hooks too; target and webroot directories are writable (a real file is tried, so a \
                read-only mount shows); HAProxy runtime-API sockets answer; each target's config test (`nginx -t`) passes \
                where the target was deployed before; acme.ca_file is readable.
                """)

        @OptionGroup var options: ConfigOptions
        @OptionGroup var logging: LogOptions
        @Option(name: .long, help: "Output format.") var format: ResultFormat = .text
        @Flag(name: .customLong("no-run-checks"), help: "Do not run the targets' config test commands.") var noRunChecks = false

        struct Result: Encodable {
            struct Problem: Encodable {
                let certificate: String?
                let message: String
            }
            let files: [String]
            let certificates: Int
            let targets: Int
            let ok: Bool
            let problems: [Problem]
        }

        func run() throws {
            let config: ClmConfig
            do { config = try options.load() } catch let failure as CommandFailure where format == .json {
                // A config that does not load is a result too: the same document, not ok, the error as its problem.
                try JSONOutput.print(Result(files: [options.path], certificates: 0, targets: 0,
                                            ok: false, problems: [Result.Problem(certificate: nil, message: failure.message)]))
                throw failure
            }
            let targets = config.certificates.reduce(0) { $0 + $1.targets.count }
            var preflight = Preflight(config: config)
            preflight.runChecks = !noRunChecks
            let problems = preflight.problems(config.certificates)
            if format == .json {
                try JSONOutput.print(Result(files: config.files, certificates: config.certificates.count, targets: targets, ok: problems.isEmpty,
                                            problems: problems.map { Result.Problem(certificate: $0.certificate, message: $0.message) }))
            } else if problems.isEmpty {
                print("\(config.files.joined(separator: ", ")): ok, \(config.certificates.count) certificate(s), \(targets) deploy target(s)")
            } else {
                print("\(config.files.joined(separator: ", ")): \(problems.count) problem(s), \(config.certificates.count) certificate(s), \(targets) deploy target(s)")
                for problem in problems { print("  \(problem)") }
            }
            if !problems.isEmpty { throw CommandFailure(message: "\(problems.count) preflight problem(s); `clm renew` would not order these certificates", exitCode: 2) }
        }
    }
}

/// State dir and inventory for the deploy-stage commands.
func deployState(_ global: GlobalOptions, config: ClmConfig? = nil) throws -> (root: String, inventory: InventoryTarget) {
    let state = StateDirectory.current()
    do { try state.create() } catch { throw CommandFailure.state(error) }
    return (state.path, try global.inventoryLocation(settings: config?.inventory))
}

extension ConfigCommand {
    /// `clm config systemd [--output FILE]`: the drop-in that lets the timer write where clm.yaml deploys.
    struct Systemd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "systemd",
            abstract: "Print (or write) a systemd drop-in with ReadWritePaths= for every directory the config deploys to.",
            discussion: """
                clm-renew.service runs with ProtectSystem=full (/etc read-only) and allows only /etc/nginx and /etc/haproxy. \
                For other targets: clm config systemd --output /etc/systemd/system/clm-renew.service.d/clm-targets.conf, \
                then systemctl daemon-reload.
                """)

        @OptionGroup var options: ConfigOptions
        @OptionGroup var logging: LogOptions
        @Option(name: .long, help: ArgumentHelp("Write the drop-in here (0644) instead of printing it.", valueName: "file"), completion: .file())
        var output: String?

        func run() throws {
            let config = try options.load()
            let text = SystemdDropIn(config: config).render()
            guard let output else {
                print(text, terminator: "")
                return
            }
            let directory = (output as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            do { try AtomicFile.write(Array(text.utf8), to: output, mode: 0o644) } catch {
                throw CommandFailure.failed("cannot write \(output): \(error)")
            }
            print("wrote \(output); run `systemctl daemon-reload`")
        }
    }
}

/// The `[Service]` drop-in for clm-renew.service: ReadWritePaths= for the
/// directories clm writes into (a directory target's parent, so it can be
/// created; a combined file's directory; http-01 webroots).
struct SystemdDropIn {
    let config: ClmConfig

    var paths: [String] {
        var paths: [String] = []
        for certificate in config.certificates {
            for target in certificate.targets {
                switch target.kind {
                case .directory(let path), .combinedFile(let path): paths.append((path as NSString).deletingLastPathComponent)
                }
            }
            if case .webroot(let path) = certificate.challenge { paths.append(path) }
        }
        var seen = Set<String>()
        return paths.filter { !$0.isEmpty && seen.insert($0).inserted }.sorted()
    }

    func render() -> String {
        var text = "# Written by `clm config systemd` from \(config.files.joined(separator: ", ")).\n"
        text += "# Lets clm-renew.service (ProtectSystem=full) write where clm.yaml deploys.\n[Service]\n"
        // systemd splits on spaces and takes C-style escapes: quote each path.
        for path in paths {
            let quoted = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "%", with: "%%")
            text += "ReadWritePaths=\"-\(quoted)\"\n"
        }
        return text
    }
}
