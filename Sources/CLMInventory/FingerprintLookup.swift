internal import CLMSQLite

/// A read-only connection that answers "which of these fingerprints does
/// the inventory hold?" while another connection writes (WAL lets them run
/// side by side). It sees only committed data: a certificate written in a
/// batch still in flight looks new, and the writer simply finds it present.
final class FingerprintLookup: FingerprintReader {
    private let database: SQLiteDatabase

    init(inventory: Inventory) throws(InventoryError) {
        do { database = try SQLiteDatabase(path: inventory.path, readOnly: true) } catch { throw .database(error) }
    }

    func known(_ candidates: [String]) throws(InventoryError) -> Set<String> {
        do { return Set(try Self.known(candidates, in: database)) } catch { throw .database(error) }
    }

    /// The fingerprints of `candidates` that `database` holds, in order.
    static func known(_ candidates: [String], in database: SQLiteDatabase) throws(SQLiteError) -> [String] {
        let statement = try database.cached("SELECT 1 FROM certificate WHERE fingerprint_sha256 = ?")
        var known: [String] = []
        for fingerprint in candidates where try statement.scalarInt([fingerprint]) != nil { known.append(fingerprint) }
        return known
    }
}
