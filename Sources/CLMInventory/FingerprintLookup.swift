internal import CLMSQLite
internal import CLMPostgres

/// A connection of its own that answers "which of these fingerprints does
/// the inventory hold?" while the scan's connection writes (SQLite's WAL, or
/// a second PostgreSQL session, lets them run side by side). It sees only
/// committed data: a certificate written in a batch still in flight looks
/// new, and the writer simply finds it present.
final class FingerprintLookup<Database: SQLDatabase>: FingerprintReader {
    private let database: Database
    private let location: String

    init(database: Database) {
        self.database = database
        location = database.location
    }

    func known(_ candidates: [String]) throws(InventoryError) -> Set<String> {
        do { return Set(try Self.known(candidates, in: database)) } catch { throw .wrap(error, path: location) }
    }

    /// The fingerprints of `candidates` that `database` holds, in order.
    static func known(_ candidates: [String], in database: Database) throws -> [String] {
        // PostgreSQL: one round trip for the whole batch, not one per candidate.
        if let shared = database as? PostgresSQLDatabase, !candidates.isEmpty {
            let rows = try shared.connection.execute("SELECT fingerprint_sha256 FROM certificate WHERE fingerprint_sha256 = ANY($1::text[])",
                                                     [.text(PostgresScanBatch.array(candidates))])
            let held = Set(rows.rows.compactMap { $0.first ?? nil })
            return candidates.filter(held.contains)
        }
        let statement = try database.cached("SELECT 1 FROM certificate WHERE fingerprint_sha256 = ?")
        var known: [String] = []
        for fingerprint in candidates where try statement.scalarInt([fingerprint]) != nil { known.append(fingerprint) }
        return known
    }
}
