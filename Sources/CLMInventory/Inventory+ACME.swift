internal import CLMSQLite
public import Foundation

/// The request stage's rows (Migrations/0004_acme.sql). Plain values: the
/// ACME types live above the inventory, and CLMRequest adapts them.
public struct ACMEAccountRow: Sendable, Hashable, Codable {
    public var accountURL: String
    public var directoryURL: String
    public var keyPath: String
    public var keyThumbprint: String
    public var contactJSON: String
    public var status: String

    public init(accountURL: String, directoryURL: String, keyPath: String, keyThumbprint: String, contactJSON: String, status: String) {
        self.accountURL = accountURL
        self.directoryURL = directoryURL
        self.keyPath = keyPath
        self.keyThumbprint = keyThumbprint
        self.contactJSON = contactJSON
        self.status = status
    }
}

public struct ACMEOrderRow: Sendable, Hashable, Codable {
    public var orderURL: String
    public var certificateName: String
    public var directoryURL: String
    public var identifiersJSON: String
    public var state: String
    public var keyPath: String?
    public var note: String?
    public var updatedAt: Int64

    public init(orderURL: String, certificateName: String, directoryURL: String, identifiersJSON: String, state: String,
                keyPath: String?, note: String?, updatedAt: Int64) {
        self.orderURL = orderURL
        self.certificateName = certificateName
        self.directoryURL = directoryURL
        self.identifiersJSON = identifiersJSON
        self.state = state
        self.keyPath = keyPath
        self.note = note
        self.updatedAt = updatedAt
    }
}

public struct ACMEIssuedRow: Sendable, Hashable, Codable {
    public var certificateName: String
    public var directoryURL: String
    public var orderURL: String
    public var certificateURL: String
    public var identifiersJSON: String
    public var fingerprintSHA256: String
    public var spkiSHA256: String
    public var serial: String
    public var issuerCN: String?
    public var notBefore: Int64
    public var notAfter: Int64
    public var ariCertID: String?
    public var certificatePath: String?
    public var keyPath: String?
    public var chainPEM: String
    public var issuedAt: Int64

    public init(certificateName: String, directoryURL: String, orderURL: String, certificateURL: String, identifiersJSON: String,
                fingerprintSHA256: String, spkiSHA256: String, serial: String, issuerCN: String?, notBefore: Int64, notAfter: Int64,
                ariCertID: String?, certificatePath: String?, keyPath: String?, chainPEM: String, issuedAt: Int64) {
        self.certificateName = certificateName
        self.directoryURL = directoryURL
        self.orderURL = orderURL
        self.certificateURL = certificateURL
        self.identifiersJSON = identifiersJSON
        self.fingerprintSHA256 = fingerprintSHA256
        self.spkiSHA256 = spkiSHA256
        self.serial = serial
        self.issuerCN = issuerCN
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.ariCertID = ariCertID
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.chainPEM = chainPEM
        self.issuedAt = issuedAt
    }
}

extension Inventory {
    /// Inserts or updates an account (by URL).
    public func recordACMEAccount(_ row: ACMEAccountRow, now: Date) throws(InventoryError) {
        let t = Int64(now.timeIntervalSince1970)
        try write {
            try database.cached("""
                INSERT INTO acme_account (account_url, directory_url, key_path, key_thumbprint, contact, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(account_url) DO UPDATE SET key_path = excluded.key_path, key_thumbprint = excluded.key_thumbprint,
                    contact = excluded.contact, status = excluded.status, updated_at = excluded.updated_at
                """).run([row.accountURL, row.directoryURL, row.keyPath, row.keyThumbprint, row.contactJSON, row.status, t, t])
        }
    }

    /// Accounts for a directory URL (all directories when nil).
    public func acmeAccounts(directoryURL: String? = nil) throws(InventoryError) -> [ACMEAccountRow] {
        try read {
            var rows: [ACMEAccountRow] = []
            try database.cached("""
                SELECT account_url, directory_url, key_path, key_thumbprint, contact, status FROM acme_account
                WHERE ?1 IS NULL OR directory_url = ?1 ORDER BY updated_at DESC
                """).query([directoryURL]) { row in
                rows.append(ACMEAccountRow(accountURL: row.string(0), directoryURL: row.string(1), keyPath: row.string(2),
                                           keyThumbprint: row.string(3), contactJSON: row.string(4), status: row.string(5)))
            }
            return rows
        }
    }

    /// Inserts or updates an order (by URL).
    public func recordACMEOrder(_ row: ACMEOrderRow) throws(InventoryError) {
        try write {
            try database.cached("""
                INSERT INTO acme_order (order_url, certificate_name, directory_url, identifiers, state, key_path, note, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(order_url) DO UPDATE SET state = excluded.state, key_path = excluded.key_path,
                    note = excluded.note, updated_at = excluded.updated_at
                """).run([row.orderURL, row.certificateName, row.directoryURL, row.identifiersJSON, row.state, row.keyPath, row.note,
                          row.updatedAt, row.updatedAt])
        }
    }

    /// The newest order of `certificateName` that is still open (pending, ready, processing, valid).
    public func openACMEOrder(certificateName: String, directoryURL: String) throws(InventoryError) -> ACMEOrderRow? {
        try read {
            var found: ACMEOrderRow?
            try database.cached("""
                SELECT order_url, certificate_name, directory_url, identifiers, state, key_path, note, updated_at FROM acme_order
                WHERE certificate_name = ? AND directory_url = ? AND state IN ('pending', 'ready', 'processing', 'valid')
                ORDER BY updated_at DESC LIMIT 1
                """).query([certificateName, directoryURL]) { row in
                found = ACMEOrderRow(orderURL: row.string(0), certificateName: row.string(1), directoryURL: row.string(2),
                                     identifiersJSON: row.string(3), state: row.string(4), keyPath: row.text(5), note: row.text(6),
                                     updatedAt: row.int64(7))
            }
            return found
        }
    }

    /// Orders of one certificate name, newest first.
    public func acmeOrders(certificateName: String) throws(InventoryError) -> [ACMEOrderRow] {
        try read {
            var rows: [ACMEOrderRow] = []
            try database.cached("""
                SELECT order_url, certificate_name, directory_url, identifiers, state, key_path, note, updated_at FROM acme_order
                WHERE certificate_name = ? ORDER BY updated_at DESC
                """).query([certificateName]) { row in
                rows.append(ACMEOrderRow(orderURL: row.string(0), certificateName: row.string(1), directoryURL: row.string(2),
                                         identifiersJSON: row.string(3), state: row.string(4), keyPath: row.text(5), note: row.text(6),
                                         updatedAt: row.int64(7)))
            }
            return rows
        }
    }

    public func recordACMEIssued(_ row: ACMEIssuedRow) throws(InventoryError) {
        try write {
            try database.cached("""
                INSERT INTO acme_issued (certificate_name, directory_url, order_url, certificate_url, identifiers, fingerprint_sha256,
                    spki_sha256, serial, issuer_cn, not_before, not_after, ari_cert_id, certificate_path, key_path, chain_pem, issued_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([row.certificateName, row.directoryURL, row.orderURL, row.certificateURL, row.identifiersJSON, row.fingerprintSHA256,
                          row.spkiSHA256, row.serial, row.issuerCN, row.notBefore, row.notAfter, row.ariCertID, row.certificatePath,
                          row.keyPath, row.chainPEM, row.issuedAt])
        }
    }

    /// The newest issued certificate of a name.
    public func latestACMEIssued(certificateName: String) throws(InventoryError) -> ACMEIssuedRow? {
        try read {
            var found: ACMEIssuedRow?
            try database.cached("""
                SELECT certificate_name, directory_url, order_url, certificate_url, identifiers, fingerprint_sha256, spki_sha256, serial,
                    issuer_cn, not_before, not_after, ari_cert_id, certificate_path, key_path, chain_pem, issued_at
                FROM acme_issued WHERE certificate_name = ? ORDER BY issued_at DESC, id DESC LIMIT 1
                """).query([certificateName]) { row in
                found = ACMEIssuedRow(certificateName: row.string(0), directoryURL: row.string(1), orderURL: row.string(2),
                                      certificateURL: row.string(3), identifiersJSON: row.string(4), fingerprintSHA256: row.string(5),
                                      spkiSHA256: row.string(6), serial: row.string(7), issuerCN: row.text(8), notBefore: row.int64(9),
                                      notAfter: row.int64(10), ariCertID: row.text(11), certificatePath: row.text(12), keyPath: row.text(13),
                                      chainPEM: row.string(14), issuedAt: row.int64(15))
            }
            return found
        }
    }
}
