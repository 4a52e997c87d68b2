public import Foundation
public import CLMInventory

/// ``ACMERecording`` backed by the SQLite inventory, through the command's
/// one ``InventoryConnection`` (its own thread: SQLite calls block).
public final class InventoryACMERecorder: ACMERecording {
    private let connection: InventoryConnection
    private let now: @Sendable () -> Date

    /// Records through `connection`; throws when the inventory cannot be opened.
    public init(connection: InventoryConnection, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        self.connection = connection
        self.now = now
        _ = try await connection.run { _ in true }
    }

    /// Opens (creating and migrating if needed) the inventory at `path`.
    public convenience init(path: String, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        try await self.init(connection: InventoryConnection(path: path), now: now)
    }

    private func withInventory<T: Sendable>(_ body: @escaping @Sendable (Inventory) throws -> T) async throws -> T {
        try await connection.run(body)
    }

    public func recordAccount(_ account: AccountRecord) async throws {
        let contact = String(decoding: try JSONEncoder().encode(account.contact), as: UTF8.self)
        let row = ACMEAccountRow(accountURL: account.accountURL, directoryURL: account.directoryURL, keyPath: account.keyPath,
                                 keyThumbprint: account.keyThumbprint, contactJSON: contact, status: account.status)
        let time = now()
        try await withInventory { try $0.recordACMEAccount(row, now: time) }
    }

    public func openOrder(certificateName: String, directoryURL: String) async throws -> OrderRecord? {
        let row = try await withInventory { try $0.openACMEOrder(certificateName: certificateName, directoryURL: directoryURL) }
        guard let row, let state = OrderRecord.State(rawValue: row.state) else { return nil }
        let identifiers = try JSONDecoder().decode([ACME.Identifier].self, from: Data(row.identifiersJSON.utf8))
        return OrderRecord(certificateName: row.certificateName, directoryURL: row.directoryURL, orderURL: row.orderURL, identifiers: identifiers,
                           state: state, keyPath: row.keyPath, updatedAt: Date(timeIntervalSince1970: TimeInterval(row.updatedAt)), note: row.note)
    }

    public func recordOrder(_ order: OrderRecord) async throws {
        let row = ACMEOrderRow(orderURL: order.orderURL, certificateName: order.certificateName, directoryURL: order.directoryURL,
                               identifiersJSON: String(decoding: try JSONEncoder().encode(order.identifiers), as: UTF8.self),
                               state: order.state.rawValue, keyPath: order.keyPath, note: order.note,
                               updatedAt: Int64(order.updatedAt.timeIntervalSince1970))
        try await withInventory { try $0.recordACMEOrder(row) }
    }

    public func recordIssued(_ certificate: IssuedRecord) async throws {
        let row = ACMEIssuedRow(certificateName: certificate.certificateName, directoryURL: certificate.directoryURL, orderURL: certificate.orderURL,
                                certificateURL: certificate.certificateURL,
                                identifiersJSON: String(decoding: try JSONEncoder().encode(certificate.identifiers), as: UTF8.self),
                                fingerprintSHA256: certificate.sha256Hex, spkiSHA256: certificate.spkiSHA256Hex, serial: certificate.serialHex,
                                issuerCN: certificate.issuerCommonName, notBefore: Int64(certificate.notBefore.timeIntervalSince1970),
                                notAfter: Int64(certificate.notAfter.timeIntervalSince1970), ariCertID: certificate.ariCertID,
                                certificatePath: certificate.certificatePath, keyPath: certificate.keyPath, chainPEM: certificate.chainPEM,
                                issuedAt: Int64(now().timeIntervalSince1970))
        try await withInventory { try $0.recordACMEIssued(row) }
    }

    /// The ARI certID of the newest certificate issued for `name`, for `replaces`.
    public func latestCertID(certificateName: String) async throws -> String? {
        try await withInventory { try $0.latestACMEIssued(certificateName: certificateName)?.ariCertID }
    }
}
