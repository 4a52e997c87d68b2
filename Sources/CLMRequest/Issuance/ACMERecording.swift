public import Foundation

/// What the request stage records about its work, so an interrupted order
/// resumes (or is abandoned cleanly) on the next run and issued certificates
/// reach the inventory.
///
/// Methods are `async` so an implementation over a blocking store (SQLite)
/// can run its work on its own thread, off Swift's cooperative pool.
public protocol ACMERecording: Sendable {
    func recordAccount(_ account: AccountRecord) async throws
    /// The newest order for `certificateName` at `directoryURL` that is not
    /// finished (completed / abandoned / invalid), if any.
    func openOrder(certificateName: String, directoryURL: String) async throws -> OrderRecord?
    /// Inserts or updates (by `orderURL`).
    func recordOrder(_ order: OrderRecord) async throws
    func recordIssued(_ certificate: IssuedRecord) async throws
}

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
    public var identifiers: [ACME.Identifier]
    public var state: State
    /// Where the certificate key waits until issuance completes.
    public var keyPath: String?
    public var updatedAt: Date
    /// A short reason for invalid / abandoned.
    public var note: String?

    public init(certificateName: String, directoryURL: String, orderURL: String, identifiers: [ACME.Identifier],
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
    public var identifiers: [ACME.Identifier]
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

    public init(certificateName: String, directoryURL: String, orderURL: String, certificateURL: String, identifiers: [ACME.Identifier],
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

/// An in-memory ``ACMERecording`` (tests, and runs without an inventory).
public actor InMemoryACMERecorder: ACMERecording {
    public private(set) var accounts: [AccountRecord] = []
    public private(set) var orders: [String: OrderRecord] = [:]
    public private(set) var issued: [IssuedRecord] = []

    public init() {}

    public func recordAccount(_ account: AccountRecord) {
        accounts.removeAll { $0.accountURL == account.accountURL }
        accounts.append(account)
    }

    public func openOrder(certificateName: String, directoryURL: String) -> OrderRecord? {
        orders.values.filter { $0.certificateName == certificateName && $0.directoryURL == directoryURL && $0.state.isOpen }
            .max { $0.updatedAt < $1.updatedAt }
    }

    public func recordOrder(_ order: OrderRecord) { orders[order.orderURL] = order }

    public func recordIssued(_ certificate: IssuedRecord) { issued.append(certificate) }
}
