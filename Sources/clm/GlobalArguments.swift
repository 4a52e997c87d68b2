/// Lets the options every command shares come before the command too, as
/// operators type them (`clm --quiet renew`, `clm --log-format json scan
/// /etc/ssl`): swift-argument-parser only takes a subcommand's options after
/// its name, so leading shared options are moved to the end of the command line.
enum GlobalArguments {
    /// Shared options that take a value, and those that do not.
    static let valued: Set<String> = ["--log-format", "--db"]
    static let flags: Set<String> = ["--quiet", "-q", "--verbose", "-v"]

    static func hoisted(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if flags.contains(argument) || (valued.contains(name) && argument.contains("=")) {
                leading.append(argument)
                index += 1
            } else if valued.contains(argument), index + 1 < arguments.endIndex {
                leading += arguments[index...(index + 1)]
                index += 2
            } else {
                break
            }
        }
        // Nothing to move, or no command after them (`clm --quiet`): leave the parser's own message.
        guard !leading.isEmpty, index < arguments.endIndex, !arguments[index].hasPrefix("-") else { return arguments }
        var rest = Array(arguments[index...])
        let end = rest.firstIndex(of: "--") ?? rest.endIndex
        rest.insert(contentsOf: leading, at: end)
        return rest
    }
}
