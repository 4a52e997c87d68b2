import ArgumentParser
import CLMCore
import CLMAudit
import CLMDeploy
import CLMInventory
import CLMReport
import Foundation

/// `clm report --html out.html`
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report: expiry timeline, findings, renewals, locations."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Output file.", valueName: "path"), completion: .file(extensions: ["html"]))
    var html: String

    @Option(name: .long, help: "Format of the summary on standard output.")
    var format: ResultFormat = .text

    struct Summary: Encodable {
        let path: String
        let certificates: Int
        let findings: Int
        let renewals: Int
        let generated_at: String
    }

    func run() throws {
        let inventory = try global.openInventory()
        let now = Date()
        let certificates: [InventoryCertificate]
        let roles: [Int64: Inventory.AuditRole]
        let freshness: InventoryFreshness
        do {
            certificates = try inventory.metrics.certificatesWithLocations()
            roles = try inventory.metrics.certificateRoles()
            freshness = try inventory.metrics.freshness()
        } catch { throw CommandFailure.failed(error.description) }
        let report = HTMLReport(certificates: certificates, findings: try ReportSources.findings(inventory: inventory, now: now),
                                renewals: try ReportSources.renewals(inventory: inventory, now: now), now: now,
                                roles: roles, freshness: freshness)
        do { try AtomicFile.write(Array(report.render().utf8), to: html, mode: 0o644) } catch {
            throw CommandFailure.failed("cannot write \(html): \(error)")
        }
        if format == .json {
            try JSONOutput.print(Summary(path: html, certificates: certificates.count, findings: report.findings.count,
                                         renewals: report.renewals.count, generated_at: Timestamp.rfc3339(Int64(now.timeIntervalSince1970))))
        } else if !global.quiet {
            print("Wrote \(html) (\(certificates.count) certificates).")
        }
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

    /// Managed certificates with the default renewal point (one third of
    /// lifetime left; half under 10 days), soonest first.
    static func renewals(inventory: Inventory, now: Date) throws -> [HTMLReport.Renewal] {
        let rows: [String: ManagedCertificateRow]
        do { rows = try inventory.deploys.managedCertificates() } catch { throw CommandFailure.failed(error.description) }
        return rows.values.map { row in
            let due = DuePolicy.defaultRenewalTime(notBefore: Date(timeIntervalSince1970: TimeInterval(row.notBefore)),
                                                   notAfter: Date(timeIntervalSince1970: TimeInterval(row.notAfter)))
            return HTMLReport.Renewal(name: row.name, domains: row.domains, dueAt: due)
        }.sorted { $0.dueAt < $1.dueAt }
    }
}
