internal import CLMPostgres

/// One scan batch bound for the shared inventory, written in a handful of
/// statements with array parameters (`unnest`) instead of a round trip per
/// row: a scan of 10,000 certificates is a few dozen statements, not 60,000.
/// The same rows, conflict rules and last-one-wins order as the row-at-a-time
/// SQLite writer (``SQLScanSession``).
struct PostgresScanBatch {
    private var certificates: [String: CertificateFacts] = [:]
    private var certificateOrder: [String] = []
    /// Per (fingerprint, ref): the position in the file, the last sighting winning.
    private var locations: [String: (fingerprint: String, ref: String, position: Int)] = [:]
    private var keys: [String: PrivateKeyFacts] = [:]
    private var files: [String: (snapshot: FileSnapshot, warning: String?)] = [:]

    var isEmpty: Bool { locations.isEmpty && keys.isEmpty && files.isEmpty && certificates.isEmpty }

    mutating func addFile(_ file: FileSnapshot, certificates held: [(fingerprint: String, facts: CertificateFacts?)],
                          keys heldKeys: [PrivateKeyFacts], warning: String?) {
        for (position, certificate) in held.enumerated() {
            if let facts = certificate.facts, certificates[certificate.fingerprint] == nil {
                certificates[certificate.fingerprint] = facts
                certificateOrder.append(certificate.fingerprint)
            }
            locations[certificate.fingerprint + "\u{0}" + file.path] = (certificate.fingerprint, file.path, position)
        }
        for key in heldKeys { keys[key.path] = key }
        files[file.path] = (file, warning)
    }

    /// Writes everything buffered inside the caller's transaction; returns how
    /// many certificates were new to the inventory, and how many locations
    /// the files read no longer hold.
    mutating func flush(_ connection: PostgresConnection, now: Int64, scanID: Int64) throws -> (certificatesNew: Int, locationsGone: Int) {
        defer { self = PostgresScanBatch() }
        let inserted = try insertCertificates(connection, now: now)
        var ids = inserted
        let wanted = Set(locations.values.map(\.fingerprint)).subtracting(inserted.keys)
        if !wanted.isEmpty {
            let rows = try connection.execute("SELECT id, fingerprint_sha256 FROM certificate WHERE fingerprint_sha256 = ANY($1::text[])",
                                              [.text(Self.array(wanted.sorted()))])
            for row in 0..<rows.count {
                if let id = rows.int(row, "id"), let fingerprint = rows.string(row, "fingerprint_sha256") { ids[fingerprint] = id }
            }
        }
        try insertNames(connection, ids: inserted)
        try upsertLocations(connection, ids: ids, now: now, scanID: scanID)
        try upsertKeys(connection, now: now, scanID: scanID)
        let gone = try retireOthers(connection, now: now, scanID: scanID)
        try upsertFiles(connection, scanID: scanID)
        return (inserted.count, gone)
    }

    private func insertCertificates(_ connection: PostgresConnection, now: Int64) throws -> [String: Int64] {
        guard !certificateOrder.isEmpty else { return [:] }
        let facts = certificateOrder.compactMap { certificates[$0] }
        let columns: [[String?]] = [
            facts.map(\.fingerprintSHA256), facts.map(\.subject), facts.map(\.subjectCN), facts.map(\.issuer), facts.map(\.issuerCN),
            facts.map(\.serial), facts.map { String($0.notBefore) }, facts.map { String($0.notAfter) }, facts.map(\.keyAlgorithm),
            facts.map { $0.keyBits.map(String.init) }, facts.map(\.keyCurve), facts.map(\.signatureAlgorithm),
            facts.map { $0.isCA ? "1" : "0" }, facts.map { $0.isSelfSigned ? "1" : "0" }, facts.map(\.spkiSHA256),
            facts.map(\.authorityKeyID), facts.map(\.subjectKeyID), facts.map { Self.hex($0.der) },
        ]
        let types = ["text", "text", "text", "text", "text", "text", "bigint", "bigint", "text", "bigint", "text", "text",
                     "integer", "integer", "text", "text", "text", "bytea"]
        let parameters = zip(columns, types).enumerated().map { "$\($0.offset + 1)::\($0.element.1)[]" }.joined(separator: ", ")
        let rows = try connection.execute("""
            INSERT INTO certificate (fingerprint_sha256, subject, subject_cn, issuer, issuer_cn, serial, not_before, not_after,
                key_algorithm, key_bits, key_curve, signature_algorithm, is_ca, self_signed, spki_sha256,
                authority_key_id, subject_key_id, der, first_seen, last_seen)
            SELECT *, $19::bigint, $19::bigint FROM unnest(\(parameters))
            ON CONFLICT (fingerprint_sha256) DO NOTHING
            RETURNING id, fingerprint_sha256
            """, columns.map { .text(Self.array($0)) } + [.int(now)])
        var ids: [String: Int64] = [:]
        for row in 0..<rows.count {
            if let id = rows.int(row, "id"), let fingerprint = rows.string(row, "fingerprint_sha256") { ids[fingerprint] = id }
        }
        return ids
    }

    /// The SANs of the certificates this batch inserted, in each certificate's order.
    private func insertNames(_ connection: PostgresConnection, ids: [String: Int64]) throws {
        var owners: [String?] = [], kinds: [String?] = [], values: [String?] = []
        for fingerprint in certificateOrder {
            guard let id = ids[fingerprint], let facts = certificates[fingerprint] else { continue }
            for name in facts.subjectAlternativeNames {
                owners.append(String(id))
                kinds.append(name.kind.rawValue)
                values.append(name.value)
            }
        }
        guard !owners.isEmpty else { return }
        try connection.execute("""
            INSERT INTO certificate_san (certificate_id, kind, value)
            SELECT id, kind, value FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS s(id, kind, value, n) ORDER BY n
            ON CONFLICT DO NOTHING
            """,
            [.text(Self.array(owners)), .text(Self.array(kinds)), .text(Self.array(values))])
    }

    private func upsertLocations(_ connection: PostgresConnection, ids: [String: Int64], now: Int64, scanID: Int64) throws {
        let rows = locations.values.compactMap { location in ids[location.fingerprint].map { (id: $0, location.ref, location.position) } }
        guard !rows.isEmpty else { return }
        try connection.execute("""
            INSERT INTO location (certificate_id, kind, ref, position, first_seen, last_seen, last_scan_id)
            SELECT id, 'file', ref, position, $4, $4, $5 FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS r(id, ref, position)
            ON CONFLICT (certificate_id, kind, ref) DO UPDATE SET
                position = excluded.position, last_seen = excluded.last_seen, last_scan_id = excluded.last_scan_id, gone_since = NULL
            """, [.text(Self.array(rows.map { String($0.id) })), .text(Self.array(rows.map(\.1))),
                  .text(Self.array(rows.map { String($0.2) })), .int(now), .int(scanID)])
    }

    private func upsertKeys(_ connection: PostgresConnection, now: Int64, scanID: Int64) throws {
        let all = Array(keys.values)
        guard !all.isEmpty else { return }
        try connection.execute("""
            INSERT INTO private_key (path, format, encrypted, spki_sha256, key_algorithm, key_bits, owner_uid, owner_gid, mode,
                first_seen, last_seen, last_scan_id)
            SELECT *, $10::bigint, $10::bigint, $11::bigint
            FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[])
            ON CONFLICT (path) DO UPDATE SET format = excluded.format, encrypted = excluded.encrypted,
                spki_sha256 = excluded.spki_sha256, key_algorithm = excluded.key_algorithm, key_bits = excluded.key_bits,
                owner_uid = excluded.owner_uid, owner_gid = excluded.owner_gid, mode = excluded.mode,
                last_seen = excluded.last_seen, last_scan_id = excluded.last_scan_id, gone_since = NULL
            """, Self.parameters(Self.keyColumns(all)) + [.int(now), .int(scanID)])
    }

    /// Each file read holds exactly what was just recorded: anything else at its path has gone.
    private func retireOthers(_ connection: PostgresConnection, now: Int64, scanID: Int64) throws -> Int {
        guard !files.isEmpty else { return 0 }
        let paths: [PostgresValue] = [.int(now), .text(Self.array(Array(files.keys))), .int(scanID)]
        let gone = try connection.execute("""
            UPDATE location SET gone_since = $1 WHERE kind = 'file' AND ref = ANY($2::text[]) AND gone_since IS NULL
            AND last_scan_id IS DISTINCT FROM $3
            """, paths).affected
        try connection.execute("""
            UPDATE private_key SET gone_since = $1 WHERE path = ANY($2::text[]) AND gone_since IS NULL
            AND last_scan_id IS DISTINCT FROM $3
            """, paths)
        return gone
    }

    private func upsertFiles(_ connection: PostgresConnection, scanID: Int64) throws {
        let all = Array(files.values)
        guard !all.isEmpty else { return }
        try connection.execute("""
            INSERT INTO file_state (path, device, inode, size, mtime_ns, warning, last_scan_id)
            SELECT *, $7::bigint FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])
            ON CONFLICT (path) DO UPDATE SET device = excluded.device, inode = excluded.inode, size = excluded.size,
                mtime_ns = excluded.mtime_ns, warning = excluded.warning, last_scan_id = excluded.last_scan_id
            """, Self.parameters(Self.fileColumns(all)) + [.int(scanID)])
    }

    private static func keyColumns(_ keys: [PrivateKeyFacts]) -> [[String?]] {
        var columns: [[String?]] = []
        columns.append(keys.map(\.path))
        columns.append(keys.map(\.format))
        columns.append(keys.map { $0.encrypted ? "1" : "0" })
        columns.append(keys.map(\.spkiSHA256))
        columns.append(keys.map(\.keyAlgorithm))
        columns.append(keys.map { $0.keyBits.map(String.init) })
        columns.append(keys.map { String($0.ownerUID) })
        columns.append(keys.map { String($0.ownerGID) })
        columns.append(keys.map { String($0.mode) })
        return columns
    }

    private static func fileColumns(_ files: [(snapshot: FileSnapshot, warning: String?)]) -> [[String?]] {
        var columns: [[String?]] = []
        columns.append(files.map(\.snapshot.path))
        columns.append(files.map { String(Int64(bitPattern: $0.snapshot.device)) })
        columns.append(files.map { String(Int64(bitPattern: $0.snapshot.inode)) })
        columns.append(files.map { String($0.snapshot.size) })
        columns.append(files.map { String($0.snapshot.mtimeNanoseconds) })
        columns.append(files.map { $0.warning.map(ScanRecorder.bounded) })
        return columns
    }

    private static func parameters(_ columns: [[String?]]) -> [PostgresValue] { columns.map { .text(array($0)) } }

    /// A PostgreSQL array literal: every element quoted, `"` and `\` escaped, nil as NULL.
    static func array(_ values: [String?]) -> String {
        // Byte-wise: a batch of certificates is megabytes of hex.
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard let value else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func array(_ values: [String]) -> String { array(values.map { Optional($0) }) }

    /// bytea's hex input form.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 2 + bytes.count * 2)
        out[0] = UInt8(ascii: "\\")
        out[1] = UInt8(ascii: "x")
        for (index, byte) in bytes.enumerated() {
            out[2 + index * 2] = digits[Int(byte >> 4)]
            out[3 + index * 2] = digits[Int(byte & 0x0F)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
