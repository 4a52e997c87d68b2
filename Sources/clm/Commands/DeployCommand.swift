import ArgumentParser
import CLMDeploy
import CLMLifecycle

/// `clm deploy NAME...`
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy the current certificate of managed certificates again (check, reload, verify, roll back on failure).",
        discussion: "Takes the same lock as `clm renew`. Exit 1 if any deploy failed."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var configOptions: ConfigOptions

    @Argument(help: "Managed certificate names.")
    var names: [String] = []

    @Flag(name: .long, help: "Deploy every managed certificate.")
    var all = false

    @Option(name: .long, help: "Output format.")
    var format: PlanFormat = .table

    func validate() throws {
        if names.isEmpty && !all { throw ValidationError("name the certificates to deploy, or pass --all") }
    }

    func run() async throws {
        let config = try configOptions.load()
        var options = Renewer.Options()
        options.deployOnly = true
        options.names = names
        try await runRenewer(config: config, options: options, global: global, format: format)
    }
}
