import ArgumentParser
import CLMCore
import Foundation

/// Runs the command and maps failures to clm's exit codes: 2 for usage
/// errors (swift-argument-parser would say 64), 1 for everything else.
@main
enum Main {
    static func main() async {
        do {
            var command = try CLM.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(with: error)
        }
    }

    static func exit(with error: any Error) -> Never {
        if let failure = error as? CommandFailure {
            if !failure.message.isEmpty { Terminal.standardError("clm: error: \(failure.message.displaySafe)\n") }
            Foundation.exit(failure.exitCode)
        }
        let code = CLM.exitCode(for: error)
        if code == .success {
            print(CLM.fullMessage(for: error))
            Foundation.exit(0)
        }
        if code == .validationFailure {
            Terminal.standardError(CLM.fullMessage(for: error) + "\n")
            Foundation.exit(2)
        }
        if error is ExitCode { Foundation.exit(code.rawValue) }
        Terminal.standardError("clm: error: \(CLM.message(for: error).displaySafe)\n")
        Foundation.exit(1)
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
    /// Exit 1 with nothing more to say (the output already said it).
    static let findings = CommandFailure(message: "", exitCode: 1)
}
