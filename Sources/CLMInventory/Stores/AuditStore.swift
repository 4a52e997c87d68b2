internal import CLMSQLite
internal import Foundation

/// What the audit reads (plain values any backend returns) and the one SQL
/// definition of a certificate's role.
extension Inventory {
    /// What a certificate is used as, decided by use rather than by the CA bit
    /// (computed in SQL by ``roleExpression``, the one place that defines it;
    /// the audit, the report and the inventory listings all read it from there).
    public enum AuditRole: String, Sendable, Hashable, Codable, CaseIterable {
        /// Used as an end-entity certificate: not a CA; or, whatever its CA bit
        /// (`openssl req -x509` sets CA:TRUE), paired with a private key the scan
        /// found, sent first by an endpoint, or named by a server config (nginx,
        /// HAProxy), unless it issued another certificate in the inventory (then
        /// it is a CA whose key sits nearby, or a misordered chain's intermediate).
        case leaf
        /// A CA certificate that is not self-signed and not used as a leaf.
        case intermediate
        /// A self-signed CA (trust anchor) outside the system trust store, such as
        /// a private root in a custom bundle; judged like any other certificate.
        case root
        /// A CA certificate found only in the operating system's trust store
        /// (``Inventory/systemTrustStoreDirectories``); audited apart, at low severity.
        case trustStore = "trust-store"

        /// "leaf", "intermediate", "root", "trust store": for people.
        public var label: String { self == .trustStore ? "trust store" : rawValue }
    }

    /// Where Debian, Ubuntu, RHEL, Fedora, SUSE and Alpine keep the system trust store.
    static let systemTrustStoreDirectories = [
        "/etc/ssl/certs", "/usr/share/ca-certificates", "/etc/ca-certificates", "/usr/local/share/ca-certificates",
        "/etc/pki/ca-trust", "/etc/pki/tls/certs", "/usr/share/pki/ca-trust-source", "/usr/lib/ssl/certs",
        "/var/lib/ca-certificates", "/usr/share/pki/trust",
    ]

    /// The condition a certificate must meet to be returned; evaluated in SQL.
    public enum AuditCertificateCondition: Sendable, Hashable {
        case all
        /// notAfter <= the given time (Unix seconds).
        case expiredAt(Int64)
        /// from < notAfter <= to.
        case expiringBetween(from: Int64, to: Int64)
        /// notBefore > the given time.
        case notYetValidAt(Int64)
        /// An RSA key shorter than `minimumRSABits`, an EC key on a curve
        /// not in `allowedCurves`, or an algorithm not in `allowedAlgorithms`.
        case weakKey(minimumRSABits: Int, allowedCurves: [String], allowedAlgorithms: [String])
        /// A signature algorithm whose name contains any of `digests` (case-insensitive).
        case signatureUsing(digests: [String])
        /// notAfter - notBefore > seconds.
        case validityLongerThan(seconds: Int64)
        case withoutSubjectAlternativeName
        /// A DNS SAN or subject CN that starts with `*.`.
        case wildcardName
        case selfSigned
        /// Not self-signed, and neither the issuer DN nor the issuer CN
        /// matches any glob (SQLite's `glob()`, case-sensitive; PostgreSQL gets the same function from its migration).
        case issuerNotMatching(globs: [String])
    }

    /// One certificate as the audit sees it: facts without PEM, its names,
    /// where it is (active locations only) and its tags.
    public struct AuditCertificateRow: Sendable, Hashable {
        public var id: Int64
        public var fingerprintSHA256: String
        public var subject: String
        public var subjectCN: String?
        public var issuer: String
        public var issuerCN: String?
        public var serial: String
        public var notBefore: Int64
        public var notAfter: Int64
        public var keyAlgorithm: String
        public var keyBits: Int?
        public var keyCurve: String?
        public var signatureAlgorithm: String
        public var isCA: Bool
        public var isSelfSigned: Bool
        public var spkiSHA256: String
        /// What it is used as (leaf, intermediate, root, trust store).
        public var role: AuditRole
        /// DNS/IP/email/URI SAN values.
        public var subjectAlternativeNames: [String]
        public var locations: [AuditLocation]
        public var tags: [String]
        /// When any location last saw it (Unix seconds).
        public var lastSeen: Int64

        /// CN (when present) followed by the SANs, without duplicates.
        public var names: [String] {
            var result: [String] = []
            if let subjectCN { result.append(subjectCN) }
            for name in subjectAlternativeNames where !result.contains(name) { result.append(name) }
            return result
        }

        /// "RSA 2048", "EC P-256", "Ed25519".
        public var keyDescription: String {
            if let keyCurve { return "\(keyAlgorithm) \(keyCurve)" }
            if let keyBits { return "\(keyAlgorithm) \(keyBits)" }
            return keyAlgorithm
        }
    }

    /// An active location of a certificate.
    public struct AuditLocation: Sendable, Hashable {
        /// "file" or "endpoint".
        public var kind: String
        /// Path or endpoint ref.
        public var ref: String
        public var position: Int
        /// The host holding it, on a whole-fleet audit of a shared inventory (nil otherwise).
        public var host: String?

        public init(kind: String, ref: String, position: Int, host: String? = nil) {
            self.kind = kind
            self.ref = ref
            self.position = position
            self.host = host
        }
    }

    /// One group of certificates with different subjects sharing a public key.
    public struct AuditKeyReuse: Sendable, Hashable {
        public var spkiSHA256: String
        public var certificates: [AuditCertificateRow]
    }

    /// A file that still holds an older certificate for the names an endpoint serves.
    public struct AuditStaleCopy: Sendable, Hashable {
        public var path: String
        /// The host holding the file, on a whole-fleet audit (nil otherwise).
        public var host: String?
        public var endpointRef: String
        /// What the file holds.
        public var stale: AuditCertificateRow
        /// What the endpoint serves.
        public var served: AuditCertificateRow
    }

    // MARK: - Endpoints

    /// What an endpoint-level audit question selects; evaluated in SQL.
    public enum AuditEndpointCondition: Sendable, Hashable {
        case all
        case hostnameMismatch
        /// The accepted versions (tls_versions JSON) include any of these.
        case acceptsAnyVersion([String])
        /// client_certificate is set and not one of these.
        case clientCertificateNotIn([String])
        /// OpenSSL verification failed with one of `verifyCodes`, or two
        /// neighbours in the chain sent do not chain (issuer ≠ next subject),
        /// or the first certificate sent is a CA.
        case chainProblem(verifyCodes: [Int])
    }

    /// One endpoint whose last probe succeeded, with the chain it sent.
    public struct AuditEndpointRow: Sendable, Hashable {
        public var ref: String
        public var host: String
        public var port: Int
        public var sni: String
        public var starttls: String
        public var protocolVersion: String?
        public var tlsVersions: [String]
        public var clientCertificate: String?
        public var verifyCode: Int?
        public var verifyMessage: String?
        public var hostnameMatches: Bool?
        /// Certificates as sent, leaf first.
        public var chain: [AuditCertificateRow]
        /// True when a self-signed CA whose subject is the last sent
        /// certificate's issuer is in the inventory.
        public var lastIssuerIsKnownRoot: Bool
        /// The fleet host that probed it (its vantage point), on a whole-fleet audit (nil otherwise).
        public var probedFrom: String? = nil
    }

    // MARK: - Private keys

    /// A private key file (not gone) as the audit sees it.
    public struct AuditKeyRow: Sendable, Hashable {
        public var path: String
        /// The host holding the file, on a whole-fleet audit (nil otherwise).
        public var host: String?
        public var format: String
        public var encrypted: Bool
        public var spkiSHA256: String?
        public var keyDescription: String
        public var ownerUID: UInt32
        public var ownerGID: UInt32
        /// Permission bits.
        public var mode: UInt32
        /// Certificates (active) for this key.
        public var certificates: [AuditCertificateRow]
    }

    /// The role of certificate `c` as SQL (see ``AuditRole``). Cheap tests first:
    /// most certificates are not CAs and stop at the first clause.
    var roleExpression: String {
        let inTrustStore = trustStoreDirectories.map { directory -> String in
            let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            return "(tl.ref >= \(Self.literal(base + "/")) AND tl.ref < \(Self.literal(base + "0")))"
        }.joined(separator: " OR ")
        return """
            CASE
              WHEN c.is_ca = 0
                OR ((EXISTS (SELECT 1 FROM location ul WHERE ul.certificate_id = c.id AND ul.gone_since IS NULL AND ul.position = 0
                             AND (ul.kind = 'endpoint'
                                  OR EXISTS (SELECT 1 FROM site s WHERE s.certificate_path = ul.ref AND s.gone_since IS NULL)))
                     OR EXISTS (SELECT 1 FROM private_key k WHERE k.spki_sha256 = c.spki_sha256 AND k.gone_since IS NULL))
                    AND NOT EXISTS (SELECT 1 FROM certificate o WHERE o.issuer = c.subject AND o.id <> c.id))
                THEN 'leaf'
              WHEN EXISTS (SELECT 1 FROM location tl WHERE tl.certificate_id = c.id AND tl.gone_since IS NULL)
                AND NOT EXISTS (SELECT 1 FROM location tl WHERE tl.certificate_id = c.id AND tl.gone_since IS NULL
                                AND NOT (tl.kind = 'file' AND (\(inTrustStore.isEmpty ? "0" : inTrustStore))))
                THEN 'trust-store'
              WHEN c.self_signed = 1 THEN 'root'
              ELSE 'intermediate'
            END
            """
    }

    /// A constant as an SQL string literal (quotes doubled).
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// The audit's queries over SQLite.
///
/// The audit must stay fast on inventories of millions of certificates, so
/// nothing here loads PEM or builds dictionaries over the whole inventory:
/// each question is one SQL statement whose filter runs inside SQLite (on
/// an index where one exists), and only the matching rows come back, one at
/// a time, through a callback.
extension SQLAuditStore {
    typealias AuditRole = Inventory.AuditRole
    typealias AuditCertificateCondition = Inventory.AuditCertificateCondition
    typealias AuditCertificateRow = Inventory.AuditCertificateRow
    typealias AuditLocation = Inventory.AuditLocation
    typealias AuditKeyReuse = Inventory.AuditKeyReuse
    typealias AuditStaleCopy = Inventory.AuditStaleCopy
    typealias AuditEndpointCondition = Inventory.AuditEndpointCondition
    typealias AuditEndpointRow = Inventory.AuditEndpointRow
    typealias AuditKeyRow = Inventory.AuditKeyRow

    /// Streams the certificates with an active location in `roles` that meet `condition`, by id.
    func certificates(_ condition: AuditCertificateCondition, roles: Set<AuditRole>,
                      _ body: (AuditCertificateRow) throws -> Void) throws(InventoryError) {
        try read {
            var clauses: [String] = []
            var arguments: [any SQLiteBindable] = []
            switch condition {
            case .all:
                break
            case .expiredAt(let time):
                clauses.append("c.not_after <= ?")
                arguments.append(time)
            case .expiringBetween(let from, let to):
                clauses.append("c.not_after > ? AND c.not_after <= ?")
                arguments += [from, to]
            case .notYetValidAt(let time):
                clauses.append("c.not_before > ?")
                arguments.append(time)
            case .weakKey(let bits, let curves, let algorithms):
                var parts = ["(c.key_algorithm = 'RSA' AND coalesce(c.key_bits, 0) < ?)"]
                arguments.append(bits)
                parts.append("(c.key_algorithm = 'EC' AND coalesce(c.key_curve, '') NOT IN (\(Self.placeholders(curves.count))))")
                arguments += curves.map { $0 as any SQLiteBindable }
                parts.append("c.key_algorithm NOT IN (\(Self.placeholders(algorithms.count)))")
                arguments += algorithms.map { $0 as any SQLiteBindable }
                clauses.append("(" + parts.joined(separator: " OR ") + ")")
            case .signatureUsing(let digests):
                guard !digests.isEmpty else { return }
                clauses.append("(" + digests.map { _ in "instr(lower(c.signature_algorithm), ?) > 0" }.joined(separator: " OR ") + ")")
                arguments += digests.map { $0.lowercased() as any SQLiteBindable }
            case .validityLongerThan(let seconds):
                clauses.append("c.not_after - c.not_before > ?")
                arguments.append(seconds)
            case .withoutSubjectAlternativeName:
                clauses.append("NOT EXISTS (SELECT 1 FROM certificate_san s WHERE s.certificate_id = c.id)")
            case .wildcardName:
                clauses.append("(c.subject_cn LIKE '*.%' OR EXISTS (SELECT 1 FROM certificate_san s WHERE s.certificate_id = c.id AND s.kind = 'dns' AND s.value LIKE '*.%'))")
            case .selfSigned:
                clauses.append("c.self_signed = 1")
            case .issuerNotMatching(let globs):
                clauses.append("c.self_signed = 0")
                guard !globs.isEmpty else { break }
                clauses.append("NOT (" + globs.map { _ in "glob(?, c.issuer) OR glob(?, coalesce(c.issuer_cn, ''))" }.joined(separator: " OR ") + ")")
                for glob in globs { arguments += [glob, glob] }
            }
            clauses.append(roleClause(roles))
            clauses.append(Self.activeClause)
            try streamCertificates(where: clauses.joined(separator: " AND "), arguments: arguments, body)
        }
    }

    /// Streams live (not expired at `now`) certificates in `roles` that
    /// have not been seen at any location since `before` (Unix seconds).
    /// Grouped in SQL over the location table.
    func certificatesLastSeen(before: Int64, notExpiredAt now: Int64, roles: Set<AuditRole>,
                              _ body: (AuditCertificateRow) throws -> Void) throws(InventoryError) {
        try read {
            var ids: [Int64] = []
            try database.prepare("""
                SELECT l.certificate_id FROM location l GROUP BY l.certificate_id HAVING max(l.last_seen) < ?
                """).query([before]) { row in ids.append(row.int64(0)) }
            let statement = try database.cached("SELECT \(auditColumns) FROM certificate c WHERE c.id = ? AND c.not_after > ? AND \(roleClause(roles))")
            for id in ids {
                var found: AuditCertificateRow?
                try statement.query([id, now]) { row in found = try auditRow(row, activeOnly: false) }
                if let found { try body(found) }
            }
        }
    }

    /// Public keys used by certificates (live at `now`, active, in `roles`)
    /// with more than one distinct subject: GROUP BY spki in SQL.
    func keyReuse(notExpiredAt now: Int64, roles: Set<AuditRole>, _ body: (AuditKeyReuse) throws -> Void) throws(InventoryError) {
        try read {
            var groups: [String] = []
            try database.prepare("""
                SELECT c.spki_sha256 FROM certificate c
                WHERE c.not_after > ? AND \(roleClause(roles))
                GROUP BY c.spki_sha256 HAVING count(DISTINCT c.subject) > 1
                """).query([now]) { row in groups.append(row.string(0)) }
            for spki in groups {
                var members: [AuditCertificateRow] = []
                try streamCertificates(where: "c.spki_sha256 = ? AND c.not_after > ? AND \(roleClause(roles)) AND \(Self.activeClause)",
                                       arguments: [spki, now]) { members.append($0) }
                // Grouped without the location check (cheaper); decided again on active members only.
                guard Set(members.map(\.subject)).count > 1 else { continue }
                try body(AuditKeyReuse(spkiSHA256: spki, certificates: members))
            }
        }
    }

    /// Files (active locations) holding a non-CA certificate with the same
    /// subject CN as an endpoint's leaf but an earlier notAfter. One join in SQL.
    func staleCopies(_ body: (AuditStaleCopy) throws -> Void) throws(InventoryError) {
        try read {
            var pairs: [(String, String, Int64, Int64, String?)] = []
            // SQLite's CROSS JOIN fixes the join order (see below); PostgreSQL plans an inner join itself.
            let join = dialect == .sqlite ? "CROSS JOIN" : "JOIN"
            try database.prepare("""
                SELECT fl.ref, el.ref, fc.id, ec.id, \(locationHost("fl.")) FROM location el
                \(join) certificate ec ON ec.id = el.certificate_id
                \(join) certificate fc ON fc.subject_cn = ec.subject_cn AND fc.not_after < ec.not_after AND fc.is_ca = 0
                \(join) location fl ON fl.certificate_id = fc.id AND fl.kind = 'file' AND fl.gone_since IS NULL
                WHERE el.kind = 'endpoint' AND el.position = 0 AND el.gone_since IS NULL AND ec.subject_cn IS NOT NULL
                """).query { row in pairs.append((row.string(0), row.string(1), row.int64(2), row.int64(3), row.text(4))) }
            // Sorted here, not in SQL: an ORDER BY makes SQLite walk every file location in path order
            // (12 s instead of 0.4 s on 2M locations); CROSS JOIN keeps the join starting from endpoints.
            pairs.sort { ($0.4 ?? "", $0.0, $0.1) < ($1.4 ?? "", $1.0, $1.1) }
            for (path, endpoint, staleID, servedID, host) in pairs {
                guard let stale = try auditCertificate(id: staleID), let served = try auditCertificate(id: servedID) else { continue }
                try body(AuditStaleCopy(path: path, host: host, endpointRef: endpoint, stale: stale, served: served))
            }
        }
    }

    /// One certificate by inventory id, as the audit sees it.
    private func auditCertificate(id: Int64) throws(InventoryError) -> AuditCertificateRow? {
        try read {
            var found: AuditCertificateRow?
            try database.cached("SELECT \(auditColumns) FROM certificate c WHERE c.id = ?").query([id]) { row in
                found = try auditRow(row, activeOnly: true)
            }
            return found
        }
    }

    /// Streams endpoints (last probe succeeded) that meet `condition`, by ref.
    func endpoints(_ condition: AuditEndpointCondition, _ body: (AuditEndpointRow) throws -> Void) throws(InventoryError) {
        try read {
            var clause = "e.error_code IS NULL"
            var arguments: [any SQLiteBindable] = []
            switch condition {
            case .all:
                break
            case .hostnameMismatch:
                clause += " AND e.hostname_matches = 0"
            case .acceptsAnyVersion(let versions):
                guard !versions.isEmpty else { return }
                clause += " AND (" + versions.map { _ in "instr(coalesce(e.tls_versions, ''), ?) > 0" }.joined(separator: " OR ") + ")"
                arguments += versions.map { "\"\($0)\"" as any SQLiteBindable }
            case .clientCertificateNotIn(let allowed):
                clause += " AND e.client_certificate IS NOT NULL AND e.client_certificate NOT IN (\(Self.placeholders(allowed.count)))"
                arguments += allowed.map { $0 as any SQLiteBindable }
            case .chainProblem(let codes):
                clause += """
                     AND (e.verify_code IN (\(Self.placeholders(codes.count)))
                      OR EXISTS (SELECT 1 FROM location a JOIN certificate ca ON ca.id = a.certificate_id
                                 WHERE a.kind = 'endpoint' AND a.ref = e.ref AND a.gone_since IS NULL AND a.position = 0 AND ca.is_ca = 1)
                      OR EXISTS (SELECT 1 FROM location a
                                 JOIN location b ON b.kind = 'endpoint' AND b.ref = a.ref AND b.position = a.position + 1 AND b.gone_since IS NULL
                                 JOIN certificate ca ON ca.id = a.certificate_id JOIN certificate cb ON cb.id = b.certificate_id
                                 WHERE a.kind = 'endpoint' AND a.ref = e.ref AND a.gone_since IS NULL AND ca.issuer <> cb.subject))
                    """
                arguments += codes.map { $0 as any SQLiteBindable }
            }
            var rows: [AuditEndpointRow] = []
            let decoder = JSONDecoder()
            try database.prepare("""
                SELECT e.ref, e.host, e.port, e.sni, e.starttls, e.protocol, e.tls_versions, e.client_certificate,
                    e.verify_code, e.verify_message, e.hostname_matches, \(locationHost("e."))
                FROM endpoint e WHERE \(clause) ORDER BY e.ref\(readsWholeFleet ? ", e.host_id" : "")
                """).query(arguments) { row in
                rows.append(AuditEndpointRow(
                    ref: row.string(0), host: row.string(1), port: row.int(2), sni: row.string(3), starttls: row.string(4),
                    protocolVersion: row.text(5),
                    tlsVersions: row.text(6).flatMap { try? decoder.decode([String].self, from: Data($0.utf8)) } ?? [],
                    clientCertificate: row.text(7), verifyCode: row.isNull(8) ? nil : row.int(8), verifyMessage: row.text(9),
                    hostnameMatches: row.isNull(10) ? nil : row.bool(10), chain: [], lastIssuerIsKnownRoot: false, probedFrom: row.text(11)))
            }
            // On a whole-fleet audit each host's probe of an endpoint is its own row, with its own chain.
            let sameHost = readsWholeFleet ? " AND host_id = ?" : ""
            for var endpoint in rows {
                var ids: [Int64] = []
                var keys: [any SQLiteBindable] = [endpoint.ref]
                if readsWholeFleet { keys.append(endpoint.probedFrom ?? "") }
                try database.cached("""
                    SELECT certificate_id FROM location WHERE kind = 'endpoint' AND ref = ?\(sameHost) AND gone_since IS NULL ORDER BY position
                    """).query(keys) { ids.append($0.int64(0)) }
                for id in ids { if let certificate = try auditCertificate(id: id) { endpoint.chain.append(certificate) } }
                if let last = endpoint.chain.last {
                    let known = try database.cached("""
                        SELECT count(*) FROM certificate r WHERE r.subject_cn IS NOT DISTINCT FROM ? AND r.subject = ? AND r.self_signed = 1 AND r.is_ca = 1
                        """).scalarInt([last.issuerCN, last.issuer]) ?? 0
                    endpoint.lastIssuerIsKnownRoot = known > 0 || last.isSelfSigned
                }
                try body(endpoint)
            }
        }
    }

    /// Key files (not gone) whose mode has any of `modeBits` set.
    func privateKeys(modeBits: UInt32, _ body: (AuditKeyRow) throws -> Void) throws(InventoryError) {
        try read {
            var keys: [AuditKeyRow] = []
            try database.prepare("""
                SELECT path, format, encrypted, spki_sha256, key_algorithm, key_bits, owner_uid, owner_gid, mode, \(locationHost())
                FROM private_key WHERE gone_since IS NULL AND (mode & ?) <> 0 ORDER BY \(readsWholeFleet ? "host_id, " : "")path
                """).query([Int64(modeBits)]) { row in
                let algorithm = row.text(4) ?? "unknown"
                let description = row.isNull(5) ? algorithm : "\(algorithm) \(row.int64(5))"
                keys.append(AuditKeyRow(path: row.string(0), host: row.text(9), format: row.string(1), encrypted: row.bool(2), spkiSHA256: row.text(3),
                                        keyDescription: description,
                                        ownerUID: UInt32(truncatingIfNeeded: row.int64(6)), ownerGID: UInt32(truncatingIfNeeded: row.int64(7)),
                                        mode: UInt32(truncatingIfNeeded: row.int64(8)), certificates: []))
            }
            for var key in keys {
                if let spki = key.spkiSHA256 {
                    try streamCertificates(where: "c.spki_sha256 = ? AND \(Self.activeClause)", arguments: [spki]) { key.certificates.append($0) }
                }
                try body(key)
            }
        }
    }

    // MARK: - Tags

    /// Replaces the tags of the certificate with `fingerprint`.
    func setTags(_ tags: [String], fingerprint: String) throws(InventoryError) {
        try write {
            guard let id = try database.prepare("SELECT id FROM certificate WHERE fingerprint_sha256 = ?").scalarInt([fingerprint]) else {
                throw InventoryError.notFound(fingerprint)
            }
            try database.prepare("DELETE FROM certificate_tag WHERE certificate_id = ?").run([id])
            for tag in Set(tags) {
                try database.prepare("INSERT INTO certificate_tag (certificate_id, tag) VALUES (?, ?)").run([id, tag])
            }
        }
    }

    // MARK: - Internals

    private var auditColumns: String {
        """
        c.id, c.fingerprint_sha256, c.subject, c.subject_cn, c.issuer, c.issuer_cn, c.serial, c.not_before, c.not_after,
        c.key_algorithm, c.key_bits, c.key_curve, c.signature_algorithm, c.is_ca, c.self_signed, c.spki_sha256, c.last_seen,
        \(roleExpression)
        """
    }

    private static var activeClause: String { "EXISTS (SELECT 1 FROM location l WHERE l.certificate_id = c.id AND l.gone_since IS NULL)" }

    private func roleClause(_ roles: Set<AuditRole>) -> String {
        if roles.count == AuditRole.allCases.count { return "1" }
        if roles.isEmpty { return "0" }
        return "(\(roleExpression)) IN (" + roles.map { Inventory.literal($0.rawValue) }.sorted().joined(separator: ", ") + ")"
    }

    private static func placeholders(_ count: Int) -> String {
        count == 0 ? "NULL" : Array(repeating: "?", count: count).joined(separator: ", ")
    }

    private func streamCertificates(where clause: String, arguments: [any SQLiteBindable],
                                    _ body: (AuditCertificateRow) throws -> Void) throws {
        let statement = try database.cached("SELECT \(auditColumns) FROM certificate c WHERE \(clause)")
        guard dialect == .postgres else {
            try statement.query(arguments) { row in try body(try auditRow(row, activeOnly: true)) }
            return
        }
        // A shared inventory answers over the network: names, locations and tags come for a
        // thousand certificates per statement instead of three round trips per certificate.
        var rows: [AuditCertificateRow] = []
        try statement.query(arguments) { row in rows.append(Self.baseRow(row)) }
        var start = 0
        while start < rows.count {
            var chunk = Array(rows[start..<min(start + 1_000, rows.count)])
            try attachDetails(&chunk)
            for row in chunk { try body(row) }
            start += chunk.count
        }
    }

    /// Names, active locations and tags of `rows`, three statements in all (PostgreSQL).
    private func attachDetails(_ rows: inout [AuditCertificateRow]) throws {
        var index: [Int64: Int] = [:]
        for (position, row) in rows.enumerated() { index[row.id] = position }
        let ids = [PostgresScanBatch.array(rows.map { String($0.id) })] as [any SQLiteBindable]
        try database.prepare("SELECT certificate_id, value FROM certificate_san WHERE certificate_id = ANY(?::bigint[]) ORDER BY rowid")
            .query(ids) { row in if let at = index[row.int64(0)] { rows[at].subjectAlternativeNames.append(row.string(1)) } }
        try database.prepare("""
            SELECT certificate_id, kind, ref, position, last_seen, \(locationHost()) FROM location
            WHERE certificate_id = ANY(?::bigint[]) AND gone_since IS NULL ORDER BY kind DESC, \(readsWholeFleet ? "host_id, " : "")ref
            """).query(ids) { row in
            guard let at = index[row.int64(0)] else { return }
            rows[at].locations.append(AuditLocation(kind: row.string(1), ref: row.string(2), position: row.int(3), host: row.text(5)))
            rows[at].lastSeen = max(rows[at].lastSeen, row.int64(4))
        }
        try database.prepare("SELECT certificate_id, tag FROM certificate_tag WHERE certificate_id = ANY(?::bigint[]) ORDER BY tag")
            .query(ids) { row in if let at = index[row.int64(0)] { rows[at].tags.append(row.string(1)) } }
    }

    /// The certificate's own columns of an `auditColumns` row, before its names, locations and tags.
    private static func baseRow<Row: SQLRow>(_ row: Row) -> AuditCertificateRow {
        AuditCertificateRow(
            id: row.int64(0), fingerprintSHA256: row.string(1), subject: row.string(2), subjectCN: row.text(3), issuer: row.string(4),
            issuerCN: row.text(5), serial: row.string(6), notBefore: row.int64(7), notAfter: row.int64(8),
            keyAlgorithm: row.string(9), keyBits: row.optionalInt64(10).map(Int.init), keyCurve: row.text(11),
            signatureAlgorithm: row.string(12), isCA: row.bool(13), isSelfSigned: row.bool(14), spkiSHA256: row.string(15),
            role: AuditRole(rawValue: row.string(17)) ?? .leaf, subjectAlternativeNames: [], locations: [], tags: [], lastSeen: row.int64(16))
    }

    /// Builds a row from `auditColumns`, fetching names, locations and tags
    /// with cached statements (index lookups by certificate id).
    private func auditRow<Row: SQLRow>(_ row: Row, activeOnly: Bool) throws -> AuditCertificateRow {
        let id = row.int64(0)
        var result = Self.baseRow(row)
        try database.cached("SELECT value FROM certificate_san WHERE certificate_id = ? ORDER BY rowid").query([id]) { san in
            result.subjectAlternativeNames.append(san.string(0))
        }
        let present = activeOnly ? " AND gone_since IS NULL" : ""
        let locationSQL = """
            SELECT kind, ref, position, last_seen, \(locationHost()) FROM location WHERE certificate_id = ?\(present)
            ORDER BY kind DESC, \(readsWholeFleet ? "host_id, " : "")ref
            """
        var lastSeen = result.lastSeen
        try database.cached(locationSQL).query([id]) { location in
            result.locations.append(AuditLocation(kind: location.string(0), ref: location.string(1), position: location.int(2),
                                                  host: location.text(4)))
            lastSeen = max(lastSeen, location.int64(3))
        }
        result.lastSeen = lastSeen
        try database.cached("SELECT tag FROM certificate_tag WHERE certificate_id = ? ORDER BY tag").query([id]) { tag in
            result.tags.append(tag.string(0))
        }
        return result
    }
}
