import ArgumentParser
import CLMCore
import CLMCrypto
import CLMInventory
import Foundation

/// Runs the command and maps failures to clm's exit codes: 2 for usage
/// errors (swift-argument-parser would say 64), 1 for everything else.
@main
enum Main {
    static func main() async {
        OpenSSLProcess.skipCleanupAtExit()
        do {
            let commands = Set(CLM.configuration.subcommands.map { $0._commandName })
            var command = try CLM.parseAsRoot(GlobalArguments.hoisted(Array(CommandLine.arguments.dropFirst()), commands: commands))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(with: error)
        }
    }

    /// Errors go through the same log as everything else, so `--log-format
    /// json` covers them too (one JSON object on standard error).
    static func exit(with error: any Error) -> Never {
        let log = errorLog(CommandLine.arguments)
        if let failure = error as? CommandFailure {
            if !failure.message.isEmpty { log.error(failure.message) }
            Foundation.exit(failure.exitCode)
        }
        let code = CLM.exitCode(for: error)
        if code == .success {
            print(CLM.fullMessage(for: error))
            Foundation.exit(0)
        }
        if code == .validationFailure {
            // Text keeps the usage lines people read; JSON gets the message alone.
            if log.format == .json { log.error(CLM.message(for: error)) } else { Terminal.standardError(CLM.fullMessage(for: error) + "\n") }
            Foundation.exit(2)
        }
        if error is ExitCode { Foundation.exit(code.rawValue) }
        log.error(CLM.message(for: error))
        Foundation.exit(1)
    }

    /// The log for errors, built from the arguments themselves: a failure
    /// may come before (or from) parsing, when no command holds its options.
    static func errorLog(_ arguments: [String]) -> Log {
        var json = false
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { break }
            if argument == "--log-format=json" || (argument == "--log-format" && arguments.dropFirst(index + 1).first == "json") { json = true }
        }
        return Log(format: json ? .json : .text, minimum: .error)
    }
}

/// A failure with the exit code it deserves and a message for the operator.
struct CommandFailure: Error {
    let message: String
    let exitCode: Int32

    static func usage(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 2) }
    static func failed(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 1) }
    /// A state directory problem: exit 2, like a usage error, since the
    /// operator's setup (owner, mode, CLM_HOME) is what must change.
    static func state(_ error: any Error) -> CommandFailure { CommandFailure(message: "\(error)", exitCode: 2) }
    /// The inventory cannot be opened or used. A shared inventory that cannot
    /// be reached or refuses the login is the setup's problem: exit 2, like a
    /// usage error (its URL is redacted in the message).
    static func inventory(_ error: InventoryError) -> CommandFailure {
        CommandFailure(message: error.description, exitCode: error.isSetupProblem ? 2 : 1)
    }
    /// Exit 1 with nothing more to say (the output already said it).
    static let findings = CommandFailure(message: "", exitCode: 1)
}
