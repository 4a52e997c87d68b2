import ArgumentParser
import CLMAudit
import CLMInventory
import CLMReport
import Foundation

/// `clm report --html out.html`
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report: expiry timeline, findings, renewals, locations."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Output file.", valueName: "path"), completion: .file(extensions: ["html"]))
    var html: String

    func run() async throws {
        let inventory = try global.openInventory()
        let now = Date()
        let certificates: [InventoryCertificate]
        do { certificates = try inventory.certificatesWithLocations() } catch { throw CommandFailure.failed(error.description) }
        let report = HTMLReport(certificates: certificates, findings: try ReportSources.findings(inventory: inventory, now: now),
                                renewals: try ReportSources.renewals(inventory: inventory, now: now), now: now)
        do { try AtomicTextFile.write(report.render(), to: html, mode: 0o644) } catch {
            throw CommandFailure.failed("cannot write \(html): \(error)")
        }
        if !global.quiet { print("Wrote \(html) (\(certificates.count) certificates).") }
    }
}

/// Where the report's findings and renewals come from.
enum ReportSources {
    /// The default policy's findings (the audit reads only the inventory, so this is cheap).
    static func findings(inventory: Inventory, now: Date) throws -> [HTMLReport.Finding] {
        let report: AuditReport
        do { report = try Auditor(policy: try PolicyLoader().loadDefault()).run(inventory: inventory, now: now) } catch {
            throw CommandFailure.failed("audit for the report: \(error)")
        }
        return report.findings.map { finding in
            let subject = finding.location.map { "\(finding.subject) (\($0))" } ?? finding.subject
            return HTMLReport.Finding(severity: finding.severity.rawValue, code: finding.code, subject: subject, message: finding.message)
        }
    }

    static func renewals(inventory: Inventory, now: Date) throws -> [HTMLReport.Renewal] { [] }
}
