internal import Foundation
internal import CLMSQLite

extension SQLScanStore {
    /// Certificates ordered by notAfter (soonest first), optionally only
    /// those expiring before `notAfterBefore` (Unix seconds). Certificates
    /// whose every location is gone are left out unless `includeGone`.
    func listCertificates(notAfterBefore: Int64?, includeGone: Bool) throws(InventoryError) -> [InventoryCertificate] {
        if inventory.isShared, inventory.scope == .allHosts, !includeGone { return try fleetList(notAfterBefore: notAfterBefore) }
        return try read {
            var conditions: [String] = []
            var arguments: [any SQLiteBindable] = []
            if let notAfterBefore {
                conditions.append("c.not_after < ?")
                arguments.append(notAfterBefore)
            }
            if !includeGone {
                conditions.append("EXISTS (SELECT 1 FROM location l WHERE l.certificate_id = c.id AND l.gone_since IS NULL)")
            } else if inventory.isShared {
                // The certificate table is the fleet's: show what this scope's hosts ever held.
                conditions.append("EXISTS (SELECT 1 FROM location l WHERE l.certificate_id = c.id)")
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            var certificates: [InventoryCertificate] = []
            var indexByID: [Int64: Int] = [:]
            try database.prepare("""
                SELECT \(certificateColumns(pem: false)),
                    (SELECT count(*) FROM location l WHERE l.certificate_id = c.id AND l.gone_since IS NULL)
                FROM certificate c \(whereClause) ORDER BY c.not_after, c.id
                """).query(arguments) { row in
                var certificate = Self.certificate(from: row)
                certificate.activeLocationCount = row.int(22)
                if certificate.activeLocationCount > 0, let host = inventory.scopeHost { certificate.hosts = [host] }
                indexByID[certificate.id] = certificates.count
                certificates.append(certificate)
            }
            try database.prepare("""
                SELECT s.certificate_id, s.kind, s.value FROM certificate_san s JOIN certificate c ON c.id = s.certificate_id
                \(whereClause) ORDER BY s.rowid
                """).query(arguments) { row in
                guard let index = indexByID[row.int64(0)] else { return }
                let kind = SubjectAlternativeName.Kind(rawValue: row.string(1)) ?? .other
                certificates[index].facts.subjectAlternativeNames.append(SubjectAlternativeName(kind: kind, value: row.string(2)))
            }
            if inventory.scope == .allHosts {
                try database.prepare("""
                    SELECT l.certificate_id, l.host_id FROM location l JOIN certificate c ON c.id = l.certificate_id
                    \(whereClause.isEmpty ? "WHERE" : whereClause + " AND") l.gone_since IS NULL
                    GROUP BY l.certificate_id, l.host_id ORDER BY l.host_id
                    """).query(arguments) { row in
                    guard let index = indexByID[row.int64(0)] else { return }
                    certificates[index].hosts.append(row.string(1))
                }
            }
            return certificates
        }
    }

    /// Every host's present certificates in one grouped join over the fleet
    /// views (a correlated lookup per certificate would walk every host's
    /// schema each time), then their names for all of them at once.
    private func fleetList(notAfterBefore: Int64?) throws(InventoryError) -> [InventoryCertificate] {
        try read {
            var certificates: [InventoryCertificate] = []
            var indexByID: [Int64: Int] = [:]
            try database.prepare("""
                SELECT c.id, c.fingerprint_sha256, c.subject, c.subject_cn, c.issuer, c.issuer_cn, c.serial, c.not_before, c.not_after,
                    c.key_algorithm, c.key_bits, c.key_curve, c.signature_algorithm, c.is_ca, c.self_signed, c.spki_sha256,
                    c.authority_key_id, c.subject_key_id, NULL, c.first_seen, greatest(c.last_seen, max(l.last_seen)), 0,
                    count(*), string_agg(DISTINCT l.host_id, ',' ORDER BY l.host_id)
                FROM certificate c JOIN location l ON l.certificate_id = c.id AND l.gone_since IS NULL
                \(notAfterBefore == nil ? "" : "WHERE c.not_after < ?")
                GROUP BY c.id ORDER BY c.not_after, c.id
                """).query(notAfterBefore.map { [$0] } ?? []) { row in
                var certificate = Self.certificate(from: row)
                certificate.activeLocationCount = row.int(22)
                certificate.hosts = row.string(23).split(separator: ",").map(String.init)
                indexByID[certificate.id] = certificates.count
                certificates.append(certificate)
            }
            guard !certificates.isEmpty else { return certificates }
            try database.prepare("SELECT certificate_id, kind, value FROM certificate_san WHERE certificate_id = ANY(?::bigint[]) ORDER BY rowid")
                .query([PostgresScanBatch.array(certificates.map { String($0.id) })]) { row in
                    guard let index = indexByID[row.int64(0)] else { return }
                    let kind = SubjectAlternativeName.Kind(rawValue: row.string(1)) ?? .other
                    certificates[index].facts.subjectAlternativeNames.append(SubjectAlternativeName(kind: kind, value: row.string(2)))
                }
            return certificates
        }
    }

    /// One certificate by inventory id or (a unique prefix of, at least 8
    /// hex digits) its SHA-256 fingerprint, with locations and keys.
    func certificate(matching key: String) throws(InventoryError) -> InventoryCertificate {
        try read {
            let normalized = key.lowercased().replacingOccurrences(of: ":", with: "")
            var matches: [InventoryCertificate] = []
            if let id = Int64(key), key.count < 8 {
                try database.prepare("SELECT \(certificateColumns) FROM certificate c WHERE c.id = ?").query([id]) { row in
                    matches.append(Self.certificate(from: row))
                }
            } else if normalized.count >= 8, normalized.allSatisfy(\.isHexDigit) {
                try database.prepare("SELECT \(certificateColumns) FROM certificate c WHERE substr(c.fingerprint_sha256, 1, ?) = ? LIMIT 2")
                    .query([normalized.count, normalized]) { row in matches.append(Self.certificate(from: row)) }
            }
            guard matches.count == 1, var certificate = matches.first else {
                throw matches.isEmpty ? InventoryError.notFound(key) : InventoryError.ambiguous(key, matches: matches.count)
            }
            try database.prepare("SELECT kind, value FROM certificate_san WHERE certificate_id = ? ORDER BY rowid").query([certificate.id]) { row in
                let kind = SubjectAlternativeName.Kind(rawValue: row.string(0)) ?? .other
                certificate.facts.subjectAlternativeNames.append(SubjectAlternativeName(kind: kind, value: row.string(1)))
            }
            try database.prepare("""
                SELECT kind, ref, position, first_seen, last_seen, gone_since, \(locationHost()) FROM location
                WHERE certificate_id = ? ORDER BY gone_since IS NOT NULL, \(readsWholeFleet ? "host_id, " : "")kind, ref
                """).query([certificate.id]) { row in
                certificate.locations.append(InventoryLocation(
                    kind: InventoryLocation.Kind(rawValue: row.string(0)) ?? .file, ref: row.string(1), position: row.int(2),
                    firstSeen: row.int64(3), lastSeen: row.int64(4), goneSince: row.optionalInt64(5), host: row.text(6)))
            }
            certificate.activeLocationCount = certificate.locations.filter { $0.goneSince == nil }.count
            certificate.privateKeys = try privateKeys(spkiSHA256: certificate.facts.spkiSHA256)
            return certificate
        }
    }

    /// Key files (not gone) whose public key hash is `spkiSHA256`.
    func privateKeys(spkiSHA256: String) throws(InventoryError) -> [PrivateKeyFacts] {
        try read {
            var keys: [PrivateKeyFacts] = []
            try database.prepare("""
                SELECT path, format, encrypted, spki_sha256, key_algorithm, key_bits, owner_uid, owner_gid, mode, \(locationHost())
                FROM private_key WHERE spki_sha256 = ? AND gone_since IS NULL ORDER BY \(readsWholeFleet ? "host_id, " : "")path
                """).query([spkiSHA256]) { row in
                var key = PrivateKeyFacts(path: row.string(0), format: row.string(1), encrypted: row.bool(2),
                                          spkiSHA256: row.text(3), keyAlgorithm: row.text(4), keyBits: row.optionalInt64(5).map(Int.init),
                                          ownerUID: UInt32(truncatingIfNeeded: row.int64(6)), ownerGID: UInt32(truncatingIfNeeded: row.int64(7)),
                                          mode: UInt32(truncatingIfNeeded: row.int64(8)))
                key.host = row.text(9)
                keys.append(key)
            }
            return keys
        }
    }

    var certificateColumns: String { certificateColumns(pem: true) }

    /// The columns `certificate(from:)` reads. Listings leave the PEM out
    /// (it is most of a row's size); `last_seen` is the newest sighting at
    /// any location, since rescans of unchanged files bump locations only.
    func certificateColumns(pem: Bool) -> String {
        """
        c.id, c.fingerprint_sha256, c.subject, c.subject_cn, c.issuer, c.issuer_cn, c.serial, c.not_before, c.not_after,
        c.key_algorithm, c.key_bits, c.key_curve, c.signature_algorithm, c.is_ca, c.self_signed, c.spki_sha256,
        c.authority_key_id, c.subject_key_id, \(pem ? "c.der" : "NULL"), c.first_seen,
        \(dialect.greatest)(c.last_seen, coalesce((SELECT max(l2.last_seen) FROM location l2 WHERE l2.certificate_id = c.id), 0)), 0
        """
    }

    static func certificate<Row: SQLRow>(from row: Row) -> InventoryCertificate {
        let facts = CertificateFacts(
            fingerprintSHA256: row.string(1), subject: row.string(2), subjectCN: row.text(3), issuer: row.string(4),
            issuerCN: row.text(5), serial: row.string(6), notBefore: row.int64(7), notAfter: row.int64(8),
            subjectAlternativeNames: [], keyAlgorithm: row.string(9), keyBits: row.optionalInt64(10).map(Int.init),
            keyCurve: row.text(11), signatureAlgorithm: row.string(12), isCA: row.bool(13), isSelfSigned: row.bool(14),
            spkiSHA256: row.string(15), authorityKeyID: row.text(16), subjectKeyID: row.text(17), der: row.blob(18) ?? [])
        return InventoryCertificate(id: row.int64(0), facts: facts, firstSeen: row.int64(19), lastSeen: row.int64(20),
                                    activeLocationCount: 0, locations: [], privateKeys: [], hosts: [])
    }
}

extension SQLScanStore {
    func beginScan(roots: [String], now: Date) throws(InventoryError) -> any ScanSession {
        try SQLScanSession(inventory: inventory, database: database, roots: roots, now: now)
    }

    func fingerprintReader() throws(InventoryError) -> any FingerprintReader {
        try inventory.openFingerprintReader()
    }

    /// Fingerprints (of `candidates`) the inventory already holds.
    func knownFingerprints(_ candidates: [String]) throws(InventoryError) -> [String] {
        try read { try FingerprintLookup.known(candidates, in: database) }
    }
}

extension SQLScanStore {

    /// The roots recorded by the most recent scan (for `clm audit --rescan`).
    func lastScanRoots() throws(InventoryError) -> [String] {
        try read {
            var text: String?
            try database.prepare("SELECT roots FROM scan ORDER BY id DESC LIMIT 1").query { text = $0.text(0) }
            guard let text else { return [] }
            return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
        }
    }
}
