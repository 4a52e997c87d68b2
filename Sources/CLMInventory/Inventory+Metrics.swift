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
}

extension Inventory {
    /// Streams every present location with its certificate's fields,
    /// ordered by location, without loading the inventory into memory.
    public func forEachPresentLocation(_ body: (CertificateLocationRow) throws -> Void) throws(InventoryError) {
        try read {
            try database.prepare("""
                SELECT c.fingerprint_sha256, c.subject, c.issuer, c.serial, c.not_before, c.not_after, l.kind, l.ref,
                    \(roleExpression)
                FROM location l JOIN certificate c ON c.id = l.certificate_id
                WHERE l.gone_since IS NULL ORDER BY l.kind, l.ref, l.position
                """).query { row in
                try body(CertificateLocationRow(
                    fingerprint: row.string(0), subject: row.string(1), issuer: row.string(2), serial: row.string(3),
                    notBefore: row.int64(4), notAfter: row.int64(5),
                    kind: InventoryLocation.Kind(rawValue: row.string(6)) ?? .file, ref: row.string(7),
                    role: AuditRole(rawValue: row.string(8)) ?? .leaf))
            }
        }
    }

    /// Whether a table exists (later stages add theirs by migration).
    public func hasTable(_ name: String) throws(InventoryError) -> Bool {
        try read { try database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").scalarInt([name]) != nil }
    }

    /// Runs a read-only aggregate query returning (label, value) pairs.
    /// For the exporter's own counters; `sql` is a constant of the caller.
    public func labelledCounts(_ sql: String) throws(InventoryError) -> [(String, Double)] {
        try read {
            var rows: [(String, Double)] = []
            try database.prepare(sql).query { rows.append(($0.string(0), $0.double(1))) }
            return rows
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

extension Inventory {
    /// Files whose last reading failed or held nothing usable (their
    /// `file_state` warning), as the inventory knows them now: a file that
    /// is fixed or removed drops out at the next scan of its directory.
    public func filesWithReadProblems() throws(InventoryError) -> Int {
        try read { Int(try database.prepare("SELECT count(*) FROM file_state WHERE warning IS NOT NULL").scalarInt() ?? 0) }
    }

    /// Every root any scan recorded, with the state of the newest scan of it
    /// and the warnings under it by reason code.
    public func scanSources() throws(InventoryError) -> [ScanSource] {
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

extension Inventory {
    public func freshness() throws(InventoryError) -> InventoryFreshness {
        try read {
            var freshness = InventoryFreshness()
            try database.prepare("SELECT max(finished_at) FROM scan").query { freshness.lastFileScan = $0.optionalInt64(0) }
            try database.prepare("SELECT max(last_probed) FROM endpoint").query { freshness.lastEndpointProbe = $0.optionalInt64(0) }
            if try database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_run'").scalarInt() != nil {
                try database.prepare("SELECT max(ran_at) FROM audit_run").query { freshness.lastAudit = $0.optionalInt64(0) }
            }
            return freshness
        }
    }
}
