import ArgumentParser
import CLMCore
import CLMLifecycle
import Foundation

/// `clm report --html out.html`
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report: expiry timeline, findings, renewals, locations."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hosts: HostScopeOptions

    @Option(name: .long, help: ArgumentHelp("Output file.", valueName: "path"), completion: .file(extensions: ["html"]))
    var html: String

    @Option(name: .long, help: "Format of the summary on standard output.")
    var format: ResultFormat = .text

    func run() throws {
        let inventory = try hosts.open(global, default: .allHosts)
        do { try inventory.snapshotFleet() } catch { throw CommandFailure.inventory(error) }
        let summary: ReportBuilder.Summary
        do { summary = try ReportBuilder().write(to: html, inventory: inventory) } catch { throw CommandFailure.failed("\(error)") }
        if format == .json {
            try JSONOutput.print(summary)
        } else if !global.quiet {
            print("Wrote \(html) (\(summary.certificates) certificates).")
        }
    }
}
