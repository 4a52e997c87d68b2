import ArgumentParser
import CLMAudit
import Foundation

/// `clm policy check FILE`
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with audit policy files.",
        subcommands: [Check.self]
    )
}

extension PolicyCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a policy file: syntax, keys, rule names, scopes, extends.",
            discussion: "Exit status 0 when the policy is usable, 2 with file:line:column and key when it is not."
        )

        @Argument(help: ArgumentHelp("Policy file.", valueName: "file"), completion: .file(extensions: ["yaml", "yml"]))
        var file: String

        @OptionGroup var logging: LogOptions

        func run() throws {
            let policy: Policy
            do { policy = try PolicyLoader().load(path: file) } catch { throw CommandFailure.usage("\(error)") }
            let rules = policy.rules.map { "\($0.settings.name) (\($0.settings.severity.rawValue))" }
            print("\(file): ok: policy \(policy.name), from \(policy.sources.joined(separator: " <- ")); "
                  + "\(policy.scopes.count) scopes; \(rules.count) rules: \(rules.joined(separator: ", "))")
        }
    }
}
