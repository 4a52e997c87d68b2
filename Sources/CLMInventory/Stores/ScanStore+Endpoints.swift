internal import CLMSQLite
internal import Foundation

extension SQLScanStore {
    /// Records one endpoint probe: the endpoint row, and (on success) a
    /// location for each certificate of the chain as sent. Certificates the
    /// inventory does not hold yet must be passed in `newCertificates`.
    /// Endpoint locations no longer in the chain are marked gone.
    func recordEndpoint(_ record: EndpointRecord, newCertificates: [CertificateFacts], scanID: Int64?, now: Date) throws(InventoryError) {
        let nowValue = Int64(now.timeIntervalSince1970)
        let jsonEncoder = JSONEncoder()
        func json(_ value: [String]?) -> String? {
            value.flatMap { try? jsonEncoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        }
        try write {
            let succeeded = record.errorCode == nil
            try database.cached("""
                INSERT INTO endpoint (ref, host, port, sni, starttls, address, first_seen, last_probed, last_success, error_code, error,
                    protocol, cipher, client_certificate, client_ca_names, ocsp_stapled, tls_versions, verify_code, verify_message,
                    hostname_matches, chain_length, last_scan_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ref) DO UPDATE SET
                    starttls = excluded.starttls, address = coalesce(excluded.address, endpoint.address),
                    last_probed = excluded.last_probed, last_success = coalesce(excluded.last_success, endpoint.last_success),
                    error_code = excluded.error_code, error = excluded.error,
                    protocol = coalesce(excluded.protocol, endpoint.protocol), cipher = coalesce(excluded.cipher, endpoint.cipher),
                    client_certificate = coalesce(excluded.client_certificate, endpoint.client_certificate),
                    client_ca_names = coalesce(excluded.client_ca_names, endpoint.client_ca_names),
                    ocsp_stapled = coalesce(excluded.ocsp_stapled, endpoint.ocsp_stapled),
                    tls_versions = coalesce(excluded.tls_versions, endpoint.tls_versions),
                    verify_code = coalesce(excluded.verify_code, endpoint.verify_code),
                    verify_message = coalesce(excluded.verify_message, endpoint.verify_message),
                    hostname_matches = coalesce(excluded.hostname_matches, endpoint.hostname_matches),
                    chain_length = coalesce(excluded.chain_length, endpoint.chain_length),
                    last_scan_id = excluded.last_scan_id
                """).run([record.ref, record.host, record.port, record.sni, record.starttls, record.address, nowValue, nowValue,
                          succeeded ? nowValue : nil, record.errorCode, record.error, record.protocolVersion, record.cipher,
                          record.clientCertificate, succeeded ? json(record.clientCANames) : nil, record.ocspStapled,
                          json(record.tlsVersions), record.verifyCode, record.verifyMessage, record.hostnameMatches,
                          succeeded ? record.chainFingerprints.count : nil, scanID])
            guard succeeded else { return }
            let recorder = CertificateWriter(database: database, now: nowValue)
            let facts = Dictionary(newCertificates.map { ($0.fingerprintSHA256, $0) }, uniquingKeysWith: { first, _ in first })
            for (position, fingerprint) in record.chainFingerprints.enumerated() {
                let id = try recorder.upsert(fingerprint: fingerprint, facts: facts[fingerprint])
                try database.cached("""
                    INSERT INTO location (certificate_id, kind, ref, position, first_seen, last_seen, last_scan_id)
                    VALUES (?, 'endpoint', ?, ?, ?, ?, ?)
                    ON CONFLICT (certificate_id, kind, ref) DO UPDATE SET
                        position = excluded.position, last_seen = excluded.last_seen,
                        last_scan_id = excluded.last_scan_id, gone_since = NULL
                    """).run([id, record.ref, position, nowValue, nowValue, scanID])
            }
            // Certificates this endpoint used to send but no longer does.
            try database.prepare("""
                UPDATE location SET gone_since = ? WHERE kind = 'endpoint' AND ref = ? AND gone_since IS NULL AND last_seen < ?
                """).run([nowValue, record.ref, nowValue])
        }
    }

    /// Records sites read from nginx/HAProxy configs; sites of those config
    /// files that are no longer there are marked gone.
    func recordSites(_ sites: [SiteRecord], configFiles: [String], now: Date) throws(InventoryError) {
        let nowValue = Int64(now.timeIntervalSince1970)
        let encoder = JSONEncoder()
        try write {
            for site in sites {
                try database.cached("""
                    INSERT INTO site (source, config_file, config_line, server_names, listen, certificate_path, key_path,
                        role, role_detail, main_config, first_seen, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source, config_file, config_line, certificate_path) DO UPDATE SET
                        server_names = excluded.server_names, listen = excluded.listen, key_path = excluded.key_path,
                        role = excluded.role, role_detail = excluded.role_detail, main_config = excluded.main_config,
                        last_seen = excluded.last_seen, gone_since = NULL
                    """).run([site.source, site.configFile, site.configLine,
                              String(decoding: try encoder.encode(site.serverNames), as: UTF8.self),
                              String(decoding: try encoder.encode(site.listen), as: UTF8.self),
                              site.certificatePath, site.keyPath, site.role, site.roleDetail, site.mainConfig, nowValue, nowValue])
            }
            for file in configFiles {
                try database.prepare("UPDATE site SET gone_since = ? WHERE config_file = ? AND last_seen < ? AND gone_since IS NULL")
                    .run([nowValue, file, nowValue])
            }
        }
    }

    /// Every endpoint the inventory knows, by ref.
    func endpoints() throws(InventoryError) -> [StoredEndpoint] {
        try read {
            var endpoints: [StoredEndpoint] = []
            let decoder = JSONDecoder()
            try database.prepare("""
                SELECT id, ref, host, port, sni, starttls, address, first_seen, last_probed, last_success, error_code, error,
                    protocol, cipher, client_certificate, client_ca_names, ocsp_stapled, tls_versions, verify_code,
                    verify_message, hostname_matches, chain_length
                FROM endpoint ORDER BY ref
                """).query { row in
                var chain: [String] = []
                try database.cached("""
                    SELECT c.fingerprint_sha256 FROM location l JOIN certificate c ON c.id = l.certificate_id
                    WHERE l.kind = 'endpoint' AND l.ref = ? AND l.gone_since IS NULL ORDER BY l.position
                    """).query([row.string(1)]) { chain.append($0.string(0)) }
                let record = EndpointRecord(
                    host: row.string(2), port: row.int(3), sni: row.string(4), starttls: row.string(5), address: row.text(6),
                    errorCode: row.text(10), error: row.text(11), protocolVersion: row.text(12), cipher: row.text(13),
                    clientCertificate: row.text(14),
                    clientCANames: row.text(15).flatMap { try? decoder.decode([String].self, from: Data($0.utf8)) } ?? [],
                    ocspStapled: row.isNull(16) ? nil : row.bool(16),
                    tlsVersions: row.text(17).flatMap { try? decoder.decode([String].self, from: Data($0.utf8)) },
                    verifyCode: row.isNull(18) ? nil : row.int(18), verifyMessage: row.text(19),
                    hostnameMatches: row.isNull(20) ? nil : row.bool(20), chainFingerprints: chain)
                endpoints.append(StoredEndpoint(id: row.int64(0), record: record, firstSeen: row.int64(7),
                                                lastProbed: row.int64(8), lastSuccess: row.optionalInt64(9)))
            }
            return endpoints
        }
    }

    /// Sites read from configs (not gone).
    func sites() throws(InventoryError) -> [SiteRecord] {
        try read {
            var sites: [SiteRecord] = []
            let decoder = JSONDecoder()
            try database.prepare("""
                SELECT source, config_file, config_line, server_names, listen, certificate_path, key_path, role, role_detail, main_config
                FROM site WHERE gone_since IS NULL ORDER BY config_file, config_line
                """).query { row in
                sites.append(SiteRecord(source: row.string(0), configFile: row.string(1), configLine: row.int(2),
                                        serverNames: (try? decoder.decode([String].self, from: Data(row.string(3).utf8))) ?? [],
                                        listen: (try? decoder.decode([String].self, from: Data(row.string(4).utf8))) ?? [],
                                        certificatePath: row.text(5), keyPath: row.text(6), role: row.string(7),
                                        roleDetail: row.text(8), mainConfig: row.text(9)))
            }
            return sites
        }
    }
}

/// An endpoint as stored, with its history.
public struct StoredEndpoint: Sendable, Hashable, Codable {
    public var id: Int64
    public var record: EndpointRecord
    public var firstSeen: Int64
    public var lastProbed: Int64
    public var lastSuccess: Int64?
}
