public import Foundation
public import CLMInventory
internal import CLMReport
internal import CLMAudit
internal import CLMCore

/// `clm report`: the HTML report from the inventory, the default audit
/// policy's findings and the managed certificates' renewal points.
public struct ReportBuilder: Sendable {
    public struct Summary: Encodable, Sendable {
        public let path: String
        public let certificates: Int
        public let findings: Int
        public let renewals: Int
        public let generatedAt: String

        enum CodingKeys: String, CodingKey {
            case path, certificates, findings, renewals
            case generatedAt = "generated_at"
        }
    }

    public let now: Date

    public init(now: Date = Date()) { self.now = now }

    /// Builds the report and writes it to `path` (0644).
    public func write(to path: String, inventory: Inventory) throws -> Summary {
        let report = HTMLReport(certificates: try inventory.metrics.certificatesWithLocations(), findings: try findings(inventory: inventory),
                                renewals: try renewals(inventory: inventory), now: now,
                                roles: try inventory.metrics.certificateRoles(), freshness: try inventory.metrics.freshness())
        do { try AtomicFile.write(Array(report.render().utf8), to: path, mode: 0o644) } catch {
            throw LifecycleError.failed("cannot write \(path): \(error)")
        }
        return Summary(path: path, certificates: report.certificates.count, findings: report.findings.count, renewals: report.renewals.count,
                       generatedAt: ISO8601DateFormatter().string(from: now))
    }

    /// The default policy's findings (the audit reads only the inventory, so this is cheap).
    func findings(inventory: Inventory) throws -> [Finding] {
        do { return try Auditor(policy: try PolicyLoader().loadDefault()).run(inventory: inventory, now: now).findings } catch {
            throw LifecycleError.failed("audit for the report: \(error)")
        }
    }

    /// Managed certificates with the default renewal point (one third of
    /// lifetime left; half under 10 days), soonest first.
    func renewals(inventory: Inventory) throws -> [HTMLReport.Renewal] {
        try inventory.deploys.managedCertificates().values.map { row in
            let due = DuePolicy.defaultRenewalTime(notBefore: Date(timeIntervalSince1970: TimeInterval(row.notBefore)),
                                                   notAfter: Date(timeIntervalSince1970: TimeInterval(row.notAfter)))
            return HTMLReport.Renewal(name: row.name, domains: row.domains, dueAt: due)
        }.sorted { $0.dueAt < $1.dueAt }
    }
}
