internal import CLMSQLite

/// Inserts a certificate (with its SANs) or bumps `last_seen` of the one
/// already held, and records private key files: shared by every path that
/// records them (a scan, an issuance, a deploy).
struct CertificateWriter<Database: SQLDatabase> {
    let database: Database
    let now: Int64

    /// The certificate's id, and whether this call inserted it.
    func upsertReportingNew(fingerprint: String, facts: CertificateFacts?) throws -> (id: Int64, inserted: Bool) {
        // Without facts the caller knows the inventory holds it: its locations carry
        // the new sighting (the wide row is not rewritten).
        guard let facts else {
            guard let id = try database.cached("SELECT id FROM certificate WHERE fingerprint_sha256 = ?").scalarInt([fingerprint]) else {
                throw InventoryError.notFound(fingerprint)
            }
            return (id, false)
        }
        // With facts it is most likely new: insert first, look up only on a conflict.
        let inserted = try database.cached("""
            INSERT INTO certificate (fingerprint_sha256, subject, subject_cn, issuer, issuer_cn, serial, not_before, not_after,
                key_algorithm, key_bits, key_curve, signature_algorithm, is_ca, self_signed, spki_sha256,
                authority_key_id, subject_key_id, der, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (fingerprint_sha256) DO NOTHING
            RETURNING id
            """).scalarInt([facts.fingerprintSHA256, facts.subject, facts.subjectCN, facts.issuer, facts.issuerCN, facts.serial,
                      facts.notBefore, facts.notAfter, facts.keyAlgorithm, facts.keyBits, facts.keyCurve,
                      facts.signatureAlgorithm, facts.isCA, facts.isSelfSigned, facts.spkiSHA256, facts.authorityKeyID,
                      facts.subjectKeyID, facts.der, now, now])
        // Held already (seen twice in one scan, or another host of a shared inventory inserted it a moment ago).
        guard let id = inserted else {
            guard let id = try database.cached("SELECT id FROM certificate WHERE fingerprint_sha256 = ?").scalarInt([fingerprint]) else {
                throw InventoryError.notFound(fingerprint)
            }
            return (id, false)
        }
        let san = try database.cached("INSERT INTO certificate_san (certificate_id, kind, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        for name in facts.subjectAlternativeNames { try san.run([id, name.kind.rawValue, name.value]) }
        return (id, true)
    }

    func upsert(fingerprint: String, facts: CertificateFacts?) throws -> Int64 {
        try upsertReportingNew(fingerprint: fingerprint, facts: facts).id
    }

    /// The key file at `key.path` as seen now; `scanID` when a scan saw it,
    /// nil when a deploy or an issuance wrote it (the next scan confirms it).
    func upsertKey(_ key: PrivateKeyFacts, scanID: Int64?) throws {
        try database.cached("""
            INSERT INTO private_key (path, format, encrypted, spki_sha256, key_algorithm, key_bits, owner_uid, owner_gid, mode,
                first_seen, last_seen, last_scan_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (path) DO UPDATE SET format = excluded.format, encrypted = excluded.encrypted,
                spki_sha256 = excluded.spki_sha256, key_algorithm = excluded.key_algorithm, key_bits = excluded.key_bits,
                owner_uid = excluded.owner_uid, owner_gid = excluded.owner_gid, mode = excluded.mode,
                last_seen = excluded.last_seen, last_scan_id = excluded.last_scan_id,
                gone_since = NULL
            """).run([key.path, key.format, key.encrypted, key.spkiSHA256, key.keyAlgorithm, key.keyBits,
                      key.ownerUID, key.ownerGID, key.mode, now, now, scanID])
    }
}
