internal import CLMSQLite
internal import Foundation

/// One certificate at one location, as the metrics exporter needs it.
public struct CertificateLocationRow: Sendable, Hashable {
    public var fingerprint: String
    public var subject: String
    public var issuer: String
    public var serial: String
    public var notBefore: Int64
    public var notAfter: Int64
    public var kind: InventoryLocation.Kind
    public var ref: String
    /// What the certificate is used as (the audit's role, decided by use).
    public var role: Inventory.AuditRole
    /// The host holding it, on a shared inventory (nil on SQLite: one host).
    public var host: String? = nil
}

extension SQLMetricsStore {
    /// Streams every present location with its certificate's fields,
    /// ordered by location, without loading the inventory into memory.
    func forEachPresentLocation(_ body: (CertificateLocationRow) throws -> Void) throws(InventoryError) {
        // Every host's locations carry a `host_id` in the fleet views; one host's are its own.
        let fleetWide = readsWholeFleet
        let fixedHost = inventory.isShared ? inventory.scopeHost : nil
        try read {
            try database.prepare("""
                SELECT c.fingerprint_sha256, c.subject, c.issuer, c.serial, c.not_before, c.not_after, l.kind, l.ref,
                    \(roleExpression), \(locationHost("l."))
                FROM location l JOIN certificate c ON c.id = l.certificate_id
                WHERE l.gone_since IS NULL ORDER BY \(fleetWide ? "l.host_id, " : "")l.kind, l.ref, l.position
                """).query { row in
                try body(CertificateLocationRow(
                    fingerprint: row.string(0), subject: row.string(1), issuer: row.string(2), serial: row.string(3),
                    notBefore: row.int64(4), notAfter: row.int64(5),
                    kind: InventoryLocation.Kind(rawValue: row.string(6)) ?? .file, ref: row.string(7),
                    role: Inventory.AuditRole(rawValue: row.string(8)) ?? .leaf, host: row.text(9) ?? fixedHost))
            }
        }
    }
}

/// What clm itself did, for its own metric series: renewals, deploys and
/// the latest audit.
public struct InventoryActivity: Sendable, Hashable {
    /// `clm renew` outcomes by result (success, failed).
    public var renewalsByResult: [String: Int] = [:]
    /// Deploys and rollbacks by outcome (ok, failed, rolled-back).
    public var deploysByOutcome: [String: Int] = [:]
    /// When a renewal last succeeded (Unix seconds).
    public var lastSuccessfulRenewal: Int64?
    /// The newest audit's finding counts by severity, when one ran.
    public var lastAuditFindings: [String: Int]?
    /// When `clm audit` last ran.
    public var lastAudit: Int64?

    public init() {}
}

extension SQLMetricsStore {
    func activity() throws(InventoryError) -> InventoryActivity {
        try read {
            var activity = InventoryActivity()
            try database.prepare("SELECT result, count(*) FROM renewal_run GROUP BY result").query { row in
                activity.renewalsByResult[row.string(0)] = row.int(1)
            }
            try database.prepare("SELECT outcome, count(*) FROM deploy_run GROUP BY outcome").query { row in
                activity.deploysByOutcome[row.string(0)] = row.int(1)
            }
            try database.prepare("SELECT max(finished_at) FROM renewal_run WHERE result = 'success'").query {
                activity.lastSuccessfulRenewal = $0.optionalInt64(0)
            }
            try database.prepare("SELECT critical, high, medium, low, info, ran_at FROM audit_run ORDER BY id DESC LIMIT 1").query { row in
                activity.lastAuditFindings = ["critical": row.int(0), "high": row.int(1), "medium": row.int(2), "low": row.int(3), "info": row.int(4)]
                activity.lastAudit = row.int64(5)
            }
            return activity
        }
    }
}

/// One scan root as a metrics source.
public struct ScanSource: Sendable, Hashable {
    public var root: String
    /// The newest scan that covered this root finished (was not interrupted).
    public var lastScanFinished: Bool
    /// Warnings under this root over every recorded scan, by reason code.
    public var errors: [String: Int]
}

extension SQLMetricsStore {
    /// Files whose last reading failed or held nothing usable (their
    /// `file_state` warning), as the inventory knows them now: a file that
    /// is fixed or removed drops out at the next scan of its directory.
    func filesWithReadProblems() throws(InventoryError) -> Int {
        try read { Int(try database.prepare("SELECT count(*) FROM file_state WHERE warning IS NOT NULL").scalarInt() ?? 0) }
    }

    /// Every root any scan recorded, with the state of the newest scan of it
    /// and the warnings under it by reason code.
    func scanSources() throws(InventoryError) -> [ScanSource] {
        try read {
            var sources: [String: ScanSource] = [:]
            var order: [String] = []
            var scanRoots: [Int64: [String]] = [:]
            var newestScan: [String: (id: Int64, finished: Bool)] = [:]
            var interrupted = Set<Int64>()
            let decoder = JSONDecoder()
            try database.prepare("SELECT id, roots, finished_at FROM scan ORDER BY id").query { row in
                let roots = (try? decoder.decode([String].self, from: Data(row.string(1).utf8))) ?? []
                scanRoots[row.int64(0)] = roots
                for root in roots {
                    if sources[root] == nil { order.append(root) }
                    sources[root] = sources[root] ?? ScanSource(root: root, lastScanFinished: false, errors: [:])
                    newestScan[root] = (row.int64(0), !row.isNull(2))
                }
            }
            try database.prepare("SELECT scan_id, ref, reason FROM scan_warning").query { row in
                let ref = row.string(1), reason = row.string(2)
                if reason.hasPrefix("scan interrupted") { interrupted.insert(row.int64(0)) }
                let roots = scanRoots[row.int64(0)] ?? []
                guard let root = roots.first(where: { ref == $0 || ref.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) ?? roots.first else { return }
                sources[root]?.errors[ScanSource.reasonCode(reason), default: 0] += 1
            }
            for (root, scan) in newestScan { sources[root]?.lastScanFinished = scan.finished && !interrupted.contains(scan.id) }
            return order.compactMap { sources[$0] }
        }
    }
}

extension ScanSource {
    /// A stable code for a scan warning's text (the exporter's `reason` label).
    static func reasonCode(_ reason: String) -> String {
        let text = reason.lowercased()
        if text.contains("permission denied") { return "permission_denied" }
        if text.contains("no such file") || text.contains("does not exist") { return "not_found" }
        if text.contains("symlink") || text.contains("symbolic link") { return "broken_symlink" }
        if text.contains("limit") || text.contains("too large") { return "too_large" }
        if text.contains("interrupted") { return "interrupted" }
        if text.contains("cannot open") || text.contains("read failed") || text.contains("cannot read") { return "read_failed" }
        return "parse_failed"
    }
}

/// When the inventory's data was last refreshed, for reports that judge it.
public struct InventoryFreshness: Sendable, Hashable {
    /// The newest finished file scan (Unix seconds).
    public var lastFileScan: Int64?
    /// The newest endpoint probe.
    public var lastEndpointProbe: Int64?
    /// The newest recorded `clm audit`.
    public var lastAudit: Int64?

    public init(lastFileScan: Int64? = nil, lastEndpointProbe: Int64? = nil, lastAudit: Int64? = nil) {
        self.lastFileScan = lastFileScan
        self.lastEndpointProbe = lastEndpointProbe
        self.lastAudit = lastAudit
    }
}

extension SQLMetricsStore {
    func freshness() throws(InventoryError) -> InventoryFreshness {
        try read {
            var freshness = InventoryFreshness()
            try database.prepare("SELECT max(finished_at) FROM scan").query { freshness.lastFileScan = $0.optionalInt64(0) }
            try database.prepare("SELECT max(last_probed) FROM endpoint").query { freshness.lastEndpointProbe = $0.optionalInt64(0) }
            try database.prepare("SELECT max(ran_at) FROM audit_run").query { freshness.lastAudit = $0.optionalInt64(0) }
            return freshness
        }
    }
}

extension SQLMetricsStore {
    /// Every present certificate with its locations (for reports).
    func certificatesWithLocations() throws(InventoryError) -> [InventoryCertificate] {
        var certificates = try SQLScanStore(inventory: inventory, database: database).listCertificates()
        var indexByID: [Int64: Int] = [:]
        for (index, certificate) in certificates.enumerated() { indexByID[certificate.id] = index }
        try read {
            try database.prepare("""
                SELECT certificate_id, kind, ref, position, first_seen, last_seen, gone_since, \(locationHost()) FROM location
                WHERE gone_since IS NULL ORDER BY \(readsWholeFleet ? "host_id, " : "")kind, ref
                """).query { row in
                guard let index = indexByID[row.int64(0)] else { return }
                certificates[index].locations.append(InventoryLocation(
                    kind: InventoryLocation.Kind(rawValue: row.string(1)) ?? .file, ref: row.string(2), position: row.int(3),
                    firstSeen: row.int64(4), lastSeen: row.int64(5), goneSince: row.optionalInt64(6), host: row.text(7)))
            }
        }
        return certificates
    }
}

extension SQLMetricsStore {
    /// The role of every certificate with an active location, by id.
    func certificateRoles() throws(InventoryError) -> [Int64: Inventory.AuditRole] {
        try read {
            var roles: [Int64: Inventory.AuditRole] = [:]
            try database.prepare("SELECT c.id, \(roleExpression) FROM certificate c").query { row in
                roles[row.int64(0)] = Inventory.AuditRole(rawValue: row.string(1)) ?? .leaf
            }
            return roles
        }
    }
}
