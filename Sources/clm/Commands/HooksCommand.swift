import ArgumentParser
import CLMCore
import CLMDeploy
import CLMLifecycle
import Foundation

/// `clm hooks list | clm hooks test NAME`
struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Show or try the configured deploy hooks.",
        subcommands: [List.self, Test.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List hooks, checks and reloads per certificate.")
        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var logging: LogOptions
        @Option(name: .long, help: "Output format.") var format: PlanFormat = .table

        func run() throws {
            let config = try configOptions.load()
            if format == .json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(HookCatalog(config: config).entries()), as: UTF8.self))
                return
            }
            func show(_ label: String, _ hooks: HookSet, indent: String) {
                for (phase, list) in [("pre", hooks.pre), ("deploy", hooks.deploy), ("post", hooks.post)] {
                    for argv in list { print("\(indent)\(phase): \(argv.joined(separator: " "))") }
                }
            }
            if !config.hooks.isEmpty {
                print("global:")
                show("global", config.hooks, indent: "  ")
            }
            for certificate in config.certificates {
                print("\(certificate.name):")
                for target in certificate.targets {
                    switch target.reload {
                    case .none: print("  \(target.description): no reload")
                    case .command(let check, let reload):
                        if !check.isEmpty { print("  \(target.description): check: \(check.joined(separator: " "))") }
                        print("  \(target.description): reload: \(reload.joined(separator: " "))")
                    case .haproxyRuntimeAPI(let socket): print("  \(target.description): runtime API via \(socket)")
                    }
                    if !target.environment.isEmpty {
                        print("  \(target.description): env: " + target.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
                    }
                    for verify in target.verifyEndpoints { print("  \(target.description): verify \(verify)") }
                }
                show(certificate.name, certificate.hooks, indent: "  ")
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a certificate's pre/deploy/post hooks and config checks with CLM_HOOK_TEST=1, and try its HAProxy runtime-API sockets; writes and reloads nothing.")
        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var logging: LogOptions
        @Option(name: .long, help: "Output format.") var format: ResultFormat = .text
        @Argument(help: "Managed certificate name.") var name: String

        func run() throws {
            let config = try configOptions.load()
            let results: [HookCatalog.Trial]
            do { results = try HookCatalog(config: config).test(name: name, stateRoot: StateDirectory.current().path) } catch {
                throw CommandFailure.usage(error.description)
            }
            if format == .json {
                try JSONOutput.print(results)
            } else if results.isEmpty {
                print("\(name): no hooks or checks configured")
            } else {
                for result in results { Self.show(result) }
            }
            let failed = results.filter { !$0.ok }.count
            if failed > 0 { throw CommandFailure.failed("\(failed) hook(s) failed") }
        }

        static func show(_ result: HookCatalog.Trial) {
            if let socket = result.socket {
                print("runtime-api: \(socket): " + (result.error.map { "FAILED: \($0)" } ?? "ok"))
                return
            }
            let command = (result.argv ?? []).joined(separator: " ")
            if let error = result.error {
                print("\(result.phase): \(command): FAILED: \(error)")
                return
            }
            let verdict = result.timedOut ? "TIMED OUT" : result.status == 0 ? "ok" : "FAILED (status \(result.status ?? -1))"
            print("\(result.phase): \(command): \(verdict) in \(String(format: "%.2f", result.seconds ?? 0)) s")
            for line in (result.output ?? "").split(separator: "\n").suffix(20) { print("  | \(String(line).displaySafe)") }
        }
    }
}
