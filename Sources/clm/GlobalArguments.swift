/// Lets options come before the command too, as operators type them
/// (`clm --quiet renew`, `clm --log-format json scan /etc/ssl`):
/// swift-argument-parser only takes a command's options after its name, so
/// what stands before the first command name is moved to the end of the line
/// (before a `--`). The command then parses every option itself, and an
/// option it does not have is named as the unknown one.
enum GlobalArguments {
    static func hoisted(_ arguments: [String], commands: Set<String>) -> [String] {
        guard let first = arguments.first, first.hasPrefix("-"), first != "--" else { return arguments }
        let stop = arguments.firstIndex(of: "--") ?? arguments.endIndex
        guard let command = arguments[..<stop].firstIndex(where: commands.contains) else { return arguments }
        var rest = Array(arguments[command...])
        let end = rest.firstIndex(of: "--") ?? rest.endIndex
        rest.insert(contentsOf: arguments[..<command], at: end)
        return rest
    }
}
