import ArgumentParser

/// The root of the command tree; nothing else lives here.
struct CLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clm",
        abstract: "Certificate lifecycle manager: discover, request and deploy TLS certificates.",
        discussion: """
            Exit codes: 0 ok (warnings included), 1 findings or failures, 2 usage or configuration error.
            State (inventory, keys) lives in $CLM_HOME, else /var/lib/clm for root, else $XDG_DATA_HOME/clm.
            Options every command takes, before or after its name: --quiet, --verbose, --log-format text|json,
            and --db PATH for the commands that read the inventory.
            """,
        version: CLMVersion.current,
        subcommands: [
            // Discover
            ScanCommand.self, InventoryCommand.self, DiagnoseCommand.self,
            // Request
            AccountCommand.self, RequestCommand.self, RevokeCommand.self,
            // Deploy
            RenewCommand.self, DeployCommand.self, HooksCommand.self, AdoptCommand.self, ConfigCommand.self,
            // Judge and report
            AuditCommand.self, PolicyCommand.self, MetricsCommand.self, ServeCommand.self, ReportCommand.self,
        ]
    )
}

enum CLMVersion {
    static let current = "0.1.0"
}
