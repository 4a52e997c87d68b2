internal import CLMSQLite
public import Foundation

/// RFC 8555 §9.7.7: an identifier a certificate covers ("dns" or "ip",
/// RFC 8738). The request stage calls it `ACME.Identifier`.
public struct ACMEIdentifier: Codable, Sendable, Hashable, CustomStringConvertible {
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    public static func dns(_ name: String) -> ACMEIdentifier { ACMEIdentifier(type: "dns", value: name) }
    public static func ip(_ address: String) -> ACMEIdentifier { ACMEIdentifier(type: "ip", value: address) }

    public var description: String { "\(type) \(value)" }
}

// The issuance records (Migrations/0004_acme.sql), declared once: the
// request stage records and resumes its work with these.

public struct AccountRecord: Sendable, Hashable, Codable {
    public var directoryURL: String
    public var accountURL: String
    /// Path of the 0600 key file (never the key itself).
    public var keyPath: String
    /// RFC 7638 thumbprint of the account key.
    public var keyThumbprint: String
    public var contact: [String]
    /// "valid" or "deactivated".
    public var status: String

    public init(directoryURL: String, accountURL: String, keyPath: String, keyThumbprint: String, contact: [String], status: String) {
        self.directoryURL = directoryURL
        self.accountURL = accountURL
        self.keyPath = keyPath
        self.keyThumbprint = keyThumbprint
        self.contact = contact
        self.status = status
    }
}

public struct OrderRecord: Sendable, Hashable, Codable {
    /// The life of an order as clm tracks it: the RFC's states plus the two
    /// clm ends it (`completed` after the certificate is stored, `abandoned`
    /// when a later run gives up on it).
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, ready, processing, valid, invalid, completed, abandoned

        public var isOpen: Bool { self == .pending || self == .ready || self == .processing || self == .valid }
    }

    public var certificateName: String
    public var directoryURL: String
    public var orderURL: String
    public var identifiers: [ACMEIdentifier]
    public var state: State
    /// Where the certificate key waits until issuance completes.
    public var keyPath: String?
    public var updatedAt: Date
    /// A short reason for invalid / abandoned.
    public var note: String?

    public init(certificateName: String, directoryURL: String, orderURL: String, identifiers: [ACMEIdentifier],
                state: State, keyPath: String?, updatedAt: Date, note: String? = nil) {
        self.certificateName = certificateName
        self.directoryURL = directoryURL
        self.orderURL = orderURL
        self.identifiers = identifiers
        self.state = state
        self.keyPath = keyPath
        self.updatedAt = updatedAt
        self.note = note
    }
}

public struct IssuedRecord: Sendable, Hashable, Codable {
    public var certificateName: String
    public var directoryURL: String
    public var orderURL: String
    public var certificateURL: String
    public var identifiers: [ACMEIdentifier]
    public var sha256Hex: String
    public var spkiSHA256Hex: String
    public var serialHex: String
    public var issuerCommonName: String?
    public var notBefore: Date
    public var notAfter: Date
    /// RFC 9773 certID, when the certificate has an AKI.
    public var ariCertID: String?
    public var certificatePath: String?
    public var keyPath: String?
    public var chainPEM: String

    public init(certificateName: String, directoryURL: String, orderURL: String, certificateURL: String, identifiers: [ACMEIdentifier],
                sha256Hex: String, spkiSHA256Hex: String, serialHex: String, issuerCommonName: String?, notBefore: Date, notAfter: Date,
                ariCertID: String?, certificatePath: String?, keyPath: String?, chainPEM: String) {
        self.certificateName = certificateName
        self.directoryURL = directoryURL
        self.orderURL = orderURL
        self.certificateURL = certificateURL
        self.identifiers = identifiers
        self.sha256Hex = sha256Hex
        self.spkiSHA256Hex = spkiSHA256Hex
        self.serialHex = serialHex
        self.issuerCommonName = issuerCommonName
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.ariCertID = ariCertID
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.chainPEM = chainPEM
    }
}

extension SQLIssuanceStore {
    func recordAccount(_ account: AccountRecord, now: Date) throws(InventoryError) {
        let t = Int64(now.timeIntervalSince1970)
        try write {
            try database.cached("""
                INSERT INTO acme_account (account_url, directory_url, key_path, key_thumbprint, contact, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(account_url) DO UPDATE SET key_path = excluded.key_path, key_thumbprint = excluded.key_thumbprint,
                    contact = excluded.contact, status = excluded.status, updated_at = excluded.updated_at
                """).run([account.accountURL, account.directoryURL, account.keyPath, account.keyThumbprint, try JSONColumn.text(account.contact),
                          account.status, t, t])
        }
    }

    func recordOrder(_ order: OrderRecord) throws(InventoryError) {
        let t = Int64(order.updatedAt.timeIntervalSince1970)
        try write {
            try database.cached("""
                INSERT INTO acme_order (order_url, certificate_name, directory_url, identifiers, state, key_path, note, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(order_url) DO UPDATE SET state = excluded.state, key_path = excluded.key_path,
                    note = excluded.note, updated_at = excluded.updated_at
                """).run([order.orderURL, order.certificateName, order.directoryURL, try JSONColumn.text(order.identifiers), order.state.rawValue,
                          order.keyPath, order.note, t, t])
        }
    }

    /// The newest order of `certificateName` that is still open (pending, ready, processing, valid).
    func openOrder(certificateName: String, directoryURL: String) throws(InventoryError) -> OrderRecord? {
        try read {
            var found: OrderRecord?
            try database.cached("""
                SELECT order_url, certificate_name, directory_url, identifiers, state, key_path, note, updated_at FROM acme_order
                WHERE certificate_name = ? AND directory_url = ? AND state IN ('pending', 'ready', 'processing', 'valid')
                ORDER BY updated_at DESC LIMIT 1
                """).query([certificateName, directoryURL]) { row in
                guard let state = OrderRecord.State(rawValue: row.string(4)) else { return }
                found = OrderRecord(certificateName: row.string(1), directoryURL: row.string(2), orderURL: row.string(0),
                                    identifiers: try JSONColumn.decode([ACMEIdentifier].self, row.string(3)), state: state,
                                    keyPath: row.text(5), updatedAt: Date(timeIntervalSince1970: TimeInterval(row.int64(7))), note: row.text(6))
            }
            return found
        }
    }

    func recordIssued(_ certificate: IssuedRecord, issuedAt: Date) throws(InventoryError) {
        try write {
            try database.cached("""
                INSERT INTO acme_issued (certificate_name, directory_url, order_url, certificate_url, identifiers, fingerprint_sha256,
                    spki_sha256, serial, issuer_cn, not_before, not_after, ari_cert_id, certificate_path, key_path, chain_pem, issued_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([certificate.certificateName, certificate.directoryURL, certificate.orderURL, certificate.certificateURL,
                          try JSONColumn.text(certificate.identifiers), certificate.sha256Hex, certificate.spkiSHA256Hex, certificate.serialHex,
                          certificate.issuerCommonName, Int64(certificate.notBefore.timeIntervalSince1970),
                          Int64(certificate.notAfter.timeIntervalSince1970), certificate.ariCertID, certificate.certificatePath,
                          certificate.keyPath, certificate.chainPEM, Int64(issuedAt.timeIntervalSince1970)])
        }
    }

    func latestIssued(certificateName: String) throws(InventoryError) -> IssuedRecord? {
        try read {
            var found: IssuedRecord?
            try database.cached("""
                SELECT certificate_name, directory_url, order_url, certificate_url, identifiers, fingerprint_sha256, spki_sha256, serial,
                    issuer_cn, not_before, not_after, ari_cert_id, certificate_path, key_path, chain_pem
                FROM acme_issued WHERE certificate_name = ? ORDER BY issued_at DESC, id DESC LIMIT 1
                """).query([certificateName]) { row in
                found = IssuedRecord(certificateName: row.string(0), directoryURL: row.string(1), orderURL: row.string(2),
                                     certificateURL: row.string(3), identifiers: try JSONColumn.decode([ACMEIdentifier].self, row.string(4)),
                                     sha256Hex: row.string(5), spkiSHA256Hex: row.string(6), serialHex: row.string(7), issuerCommonName: row.text(8),
                                     notBefore: Date(timeIntervalSince1970: TimeInterval(row.int64(9))),
                                     notAfter: Date(timeIntervalSince1970: TimeInterval(row.int64(10))), ariCertID: row.text(11),
                                     certificatePath: row.text(12), keyPath: row.text(13), chainPEM: row.string(14))
            }
            return found
        }
    }
}

/// A list kept as a JSON array in a TEXT column (SQLite has no array type):
/// encoded and decoded here only, so callers see typed fields.
enum JSONColumn {
    static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
