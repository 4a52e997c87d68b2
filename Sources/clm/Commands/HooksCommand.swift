import ArgumentParser
import CLMCore
import CLMDeploy
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
        @Option(name: .long, help: "Output format.") var format: PlanFormat = .table

        /// One command clm runs: a hook (pre/deploy/post), a target's check or reload, or a runtime-API swap.
        struct Entry: Encodable {
            let certificate: String?
            let phase: String
            let target: String?
            let argv: [String]?
            let socket: String?
            let verify: String?
            let environment: [String: String]?
        }

        static func entries(_ config: ClmConfig) -> [Entry] {
            var entries: [Entry] = []
            func hooks(_ set: HookSet, certificate: String?) {
                for (phase, list) in [("pre", set.pre), ("deploy", set.deploy), ("post", set.post)] {
                    for argv in list {
                        entries.append(Entry(certificate: certificate, phase: phase, target: nil, argv: argv, socket: nil, verify: nil, environment: nil))
                    }
                }
            }
            hooks(config.hooks, certificate: nil)
            for certificate in config.certificates {
                for target in certificate.targets {
                    let env = target.environment.isEmpty ? nil : target.environment
                    let verify = target.verify?.description
                    switch target.reload {
                    case .none:
                        entries.append(Entry(certificate: certificate.name, phase: "reload", target: target.description, argv: nil, socket: nil, verify: verify, environment: env))
                    case .command(let check, let reload):
                        if !check.isEmpty {
                            entries.append(Entry(certificate: certificate.name, phase: "check", target: target.description, argv: check, socket: nil, verify: nil, environment: env))
                        }
                        entries.append(Entry(certificate: certificate.name, phase: "reload", target: target.description, argv: reload, socket: nil, verify: verify, environment: env))
                    case .haproxyRuntimeAPI(let socket):
                        entries.append(Entry(certificate: certificate.name, phase: "runtime-api", target: target.description, argv: nil, socket: socket, verify: verify, environment: nil))
                    }
                }
                hooks(certificate.hooks, certificate: certificate.name)
            }
            return entries
        }

        func run() throws {
            let config = try configOptions.load()
            if format == .json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(Self.entries(config)), as: UTF8.self))
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
                    if let verify = target.verify { print("  \(target.description): verify \(verify)") }
                }
                show(certificate.name, certificate.hooks, indent: "  ")
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a certificate's pre/deploy/post hooks and config checks with CLM_HOOK_TEST=1; writes and reloads nothing.")
        @OptionGroup var configOptions: ConfigOptions
        @Argument(help: "Managed certificate name.") var name: String

        func run() throws {
            let config = try configOptions.load()
            guard let certificate = config.certificate(named: name) else { throw CommandFailure.usage("no certificate named '\(name)' in the config") }
            let state = StateDirectory.current()
            var env = ["CLM_CERT_NAME": certificate.name, "CLM_DOMAINS": certificate.domains.joined(separator: " "), "CLM_HOOK_TEST": "1"]
            let stored = state.path + "/certificates/" + certificate.name
            env["CLM_CERT_PATH"] = stored + "/cert.pem"
            env["CLM_KEY_PATH"] = stored + "/privkey.pem"
            env["CLM_FULLCHAIN_PATH"] = stored + "/fullchain.pem"
            env["CLM_CHAIN_PATH"] = stored + "/chain.pem"
            var runs: [(String, Argv, [String: String])] = []
            for target in certificate.targets {
                if case .command(let check, _) = target.reload, !check.isEmpty { runs.append(("check", check, target.environment)) }
            }
            for (phase, list) in [("pre", certificate.hooks.pre + config.hooks.pre), ("deploy", certificate.hooks.deploy + config.hooks.deploy),
                                  ("post", certificate.hooks.post + config.hooks.post)] {
                for argv in list { runs.append((phase, argv, [:])) }
            }
            if runs.isEmpty { print("\(name): no hooks or checks configured"); return }
            var failed = 0
            for (phase, argv, targetEnv) in runs {
                var phaseEnv = env.merging(targetEnv) { $1 }
                phaseEnv["CLM_PHASE"] = phase
                do {
                    let outcome = try HookRunner().run(argv, environment: phaseEnv, timeout: config.renew.hookTimeoutSeconds)
                    let verdict = outcome.timedOut ? "TIMED OUT" : outcome.status == 0 ? "ok" : "FAILED (status \(outcome.status))"
                    print("\(phase): \(argv.joined(separator: " ")): \(verdict) in \(String(format: "%.2f", outcome.seconds)) s")
                    for line in outcome.output.split(separator: "\n").suffix(20) { print("  | \(String(line).displaySafe)") }
                    if !outcome.succeeded { failed += 1 }
                } catch {
                    print("\(phase): \(argv.joined(separator: " ")): FAILED: \(error)")
                    failed += 1
                }
            }
            if failed > 0 { throw CommandFailure.failed("\(failed) hook(s) failed") }
        }
    }
}
