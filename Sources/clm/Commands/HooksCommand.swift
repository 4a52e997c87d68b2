import ArgumentParser
import CLMCore
import CLMDeploy
import Foundation

/// `clm hooks list | clm hooks test NAME`
struct HooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Show or try the configured deploy hooks.",
        subcommands: [List.self, Test.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List hooks, checks and reloads per certificate.")
        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load()
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
                    if let verify = target.verify { print("  \(target.description): verify \(verify)") }
                }
                show(certificate.name, certificate.hooks, indent: "  ")
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a certificate's pre/deploy/post hooks and config checks with CLM_HOOK_TEST=1; writes and reloads nothing.")
        @OptionGroup var configOptions: ConfigOptions
        @Argument(help: "Managed certificate name.") var name: String

        func run() async throws {
            let config = try configOptions.load()
            guard let certificate = config.certificate(named: name) else { throw CommandFailure.usage("no certificate named '\(name)' in the config") }
            let state = StateDirectory.current()
            var env = ["CLM_CERT_NAME": certificate.name, "CLM_DOMAINS": certificate.domains.joined(separator: " "), "CLM_HOOK_TEST": "1"]
            let stored = state.path + "/certificates/" + certificate.name
            env["CLM_CERT_PATH"] = stored + "/cert.pem"
            env["CLM_KEY_PATH"] = stored + "/privkey.pem"
            env["CLM_FULLCHAIN_PATH"] = stored + "/fullchain.pem"
            env["CLM_CHAIN_PATH"] = stored + "/chain.pem"
            var runs: [(String, Argv)] = []
            for target in certificate.targets { if case .command(let check, _) = target.reload, !check.isEmpty { runs.append(("check", check)) } }
            for (phase, list) in [("pre", certificate.hooks.pre + config.hooks.pre), ("deploy", certificate.hooks.deploy + config.hooks.deploy),
                                  ("post", certificate.hooks.post + config.hooks.post)] {
                for argv in list { runs.append((phase, argv)) }
            }
            if runs.isEmpty { print("\(name): no hooks or checks configured"); return }
            var failed = 0
            for (phase, argv) in runs {
                var phaseEnv = env
                phaseEnv["CLM_PHASE"] = phase
                do {
                    let outcome = try HookRunner().run(argv, environment: phaseEnv, timeout: config.renew.hookTimeoutSeconds)
                    let verdict = outcome.timedOut ? "TIMED OUT" : outcome.status == 0 ? "ok" : "FAILED (status \(outcome.status))"
                    print("\(phase): \(argv.joined(separator: " ")): \(verdict) in \(String(format: "%.2f", outcome.seconds)) s")
                    for line in outcome.output.split(separator: "\n").suffix(20) { print("  | \(line)") }
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
