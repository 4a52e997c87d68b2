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

        @Option(name: .long, help: "Output format.")
        var format: ResultFormat = .text

        struct Result: Encodable {
            struct Rule: Encodable {
                let name: String
                let severity: String
            }
            let file: String
            let policy: String
            let sources: [String]
            let scopes: Int
            let rules: [Rule]
        }

        func run() throws {
            let policy: Policy
            do { policy = try PolicyLoader().load(path: file) } catch { throw CommandFailure.usage("\(error)") }
            if format == .json {
                try JSONOutput.print(Result(file: file, policy: policy.name, sources: policy.sources, scopes: policy.scopes.count,
                                            rules: policy.rules.map { Result.Rule(name: $0.settings.name, severity: $0.settings.severity.rawValue) }))
                return
            }
            let rules = policy.rules.map { "\($0.settings.name) (\($0.settings.severity.rawValue))" }
            print("\(file): ok: policy \(policy.name), from \(policy.sources.joined(separator: " <- ")); "
                  + "\(policy.scopes.count) scopes; \(rules.count) rules: \(rules.joined(separator: ", "))")
        }
    }
}
