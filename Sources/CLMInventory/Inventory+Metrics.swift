internal import CLMSQLite

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
}

extension Inventory {
    /// Streams every present location with its certificate's fields,
    /// ordered by location, without loading the inventory into memory.
    public func forEachPresentLocation(_ body: (CertificateLocationRow) throws -> Void) throws(InventoryError) {
        try read {
            try database.prepare("""
                SELECT c.fingerprint_sha256, c.subject, c.issuer, c.serial, c.not_before, c.not_after, l.kind, l.ref
                FROM location l JOIN certificate c ON c.id = l.certificate_id
                WHERE l.gone_since IS NULL ORDER BY l.kind, l.ref, l.position
                """).query { row in
                try body(CertificateLocationRow(
                    fingerprint: row.string(0), subject: row.string(1), issuer: row.string(2), serial: row.string(3),
                    notBefore: row.int64(4), notAfter: row.int64(5),
                    kind: InventoryLocation.Kind(rawValue: row.string(6)) ?? .file, ref: row.string(7)))
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
