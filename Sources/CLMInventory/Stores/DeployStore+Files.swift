internal import CLMSQLite
internal import Foundation

extension SQLDeployStore {
    /// Records what a deploy or an issuance just wrote: each file of `files`
    /// holds exactly its `certificates`, in order (leaf first). Whatever else
    /// was located there is marked gone, so the inventory, metrics and
    /// reports show the new certificates before the next scan, which
    /// confirms or corrects this.
    func recordFiles(_ files: [(path: String, certificates: [CertificateFacts])], now: Date) throws(InventoryError) {
        let time = Int64(now.timeIntervalSince1970)
        try write {
            let writer = CertificateWriter(database: database, now: time)
            for file in files {
                let ids = try file.certificates.map { try writer.upsert(fingerprint: $0.fingerprintSHA256, facts: $0) }
                try database.cached("UPDATE location SET gone_since = ? WHERE kind = 'file' AND ref = ? AND gone_since IS NULL").run([time, file.path])
                // last_scan_id NULL: not confirmed by a scan yet. The next scan
                // covering the path reads it again (no file_state) and confirms
                // it, or marks it gone if the file is not there.
                for (position, id) in ids.enumerated() {
                    try database.cached("""
                        INSERT INTO location (certificate_id, kind, ref, position, first_seen, last_seen) VALUES (?, 'file', ?, ?, ?, ?)
                        ON CONFLICT (certificate_id, kind, ref) DO UPDATE SET position = excluded.position, last_seen = excluded.last_seen,
                            gone_since = NULL, last_scan_id = NULL
                        """).run([id, file.path, position, time, time])
                }
                try database.cached("DELETE FROM file_state WHERE path = ?").run([file.path])
            }
        }
    }

    /// Records the private key files a deploy or an issuance just wrote, as a
    /// scan would find them (the next scan confirms or corrects).
    func recordKeyFiles(_ keys: [PrivateKeyFacts], now: Date) throws(InventoryError) {
        let time = Int64(now.timeIntervalSince1970)
        try write {
            let writer = CertificateWriter(database: database, now: time)
            for key in keys {
                try writer.upsertKey(key, scanID: nil)
                try database.cached("DELETE FROM file_state WHERE path = ?").run([key.path])
            }
        }
    }
}
