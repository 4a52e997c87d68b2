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
        @OptionGroup var logging: LogOptions
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

        /// One thing tried: a hook or check (argv) or a runtime-API socket.
        struct Result: Encodable {
            let phase: String
            let argv: [String]?
            let socket: String?
            let ok: Bool
            let status: Int32?
            let timed_out: Bool
            let seconds: Double?
            let output: String?
            let error: String?
        }

        func run() throws {
            let config = try configOptions.load()
            guard let certificate = config.certificate(named: name) else { throw CommandFailure.usage("no certificate named '\(name)' in the config") }
            let state = StateDirectory.current()
            var env = ["CLM_CERT_NAME": certificate.name, "CLM_DOMAINS": certificate.domains.joined(separator: " "), "CLM_HOOK_TEST": "1"]
            let stored = CertificateStore(stateRoot: state.path).paths(certificate.name)
            env["CLM_CERT_PATH"] = stored.certificate
            env["CLM_KEY_PATH"] = stored.key
            env["CLM_FULLCHAIN_PATH"] = stored.fullchain
            env["CLM_CHAIN_PATH"] = stored.chain
            var runs: [(String, Argv, [String: String])] = []
            var results: [Result] = []
            for target in certificate.targets {
                if case .command(let check, _) = target.reload, !check.isEmpty { runs.append(("check", check, target.environment)) }
                // The runtime API is tried with a harmless `show info`: a wrong socket must show now, not after an order.
                if case .haproxyRuntimeAPI(let socket) = target.reload {
                    let problem = Preflight.runtimeAPIProblem(socket, timeout: config.renew.hookTimeoutSeconds)
                    results.append(Result(phase: "runtime-api", argv: nil, socket: socket, ok: problem == nil, status: nil, timed_out: false,
                                          seconds: nil, output: nil, error: problem))
                }
            }
            for (phase, list) in [("pre", certificate.hooks.pre + config.hooks.pre), ("deploy", certificate.hooks.deploy + config.hooks.deploy),
                                  ("post", certificate.hooks.post + config.hooks.post)] {
                for argv in list { runs.append((phase, argv, [:])) }
            }
            for (phase, argv, targetEnv) in runs {
                var phaseEnv = env.merging(targetEnv) { $1 }
                phaseEnv["CLM_PHASE"] = phase
                do {
                    let outcome = try HookRunner(policy: config.hookEnvironment).run(argv, environment: phaseEnv, timeout: config.renew.hookTimeoutSeconds)
                    results.append(Result(phase: phase, argv: argv, socket: nil, ok: outcome.succeeded, status: outcome.status, timed_out: outcome.timedOut,
                                          seconds: (outcome.seconds * 1000).rounded() / 1000, output: outcome.output, error: nil))
                } catch {
                    results.append(Result(phase: phase, argv: argv, socket: nil, ok: false, status: nil, timed_out: false, seconds: nil, output: nil,
                                          error: "\(error)"))
                }
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

        static func show(_ result: Result) {
            if let socket = result.socket {
                print("runtime-api: \(socket): " + (result.error.map { "FAILED: \($0)" } ?? "ok"))
                return
            }
            let command = (result.argv ?? []).joined(separator: " ")
            if let error = result.error {
                print("\(result.phase): \(command): FAILED: \(error)")
                return
            }
            let verdict = result.timed_out ? "TIMED OUT" : result.status == 0 ? "ok" : "FAILED (status \(result.status ?? -1))"
            print("\(result.phase): \(command): \(verdict) in \(String(format: "%.2f", result.seconds ?? 0)) s")
            for line in (result.output ?? "").split(separator: "\n").suffix(20) { print("  | \(String(line).displaySafe)") }
        }
    }
}
