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
        let time = now()
        try await withInventory { try $0.issuance.recordAccount(account, now: time) }
    }

    public func openOrder(certificateName: String, directoryURL: String) async throws -> OrderRecord? {
        try await withInventory { try $0.issuance.openOrder(certificateName: certificateName, directoryURL: directoryURL) }
    }

    public func recordOrder(_ order: OrderRecord) async throws {
        try await withInventory { try $0.issuance.recordOrder(order) }
    }

    public func recordIssued(_ certificate: IssuedRecord) async throws {
        let time = now()
        try await withInventory { try $0.issuance.recordIssued(certificate, issuedAt: time) }
    }

    /// The ARI certID of the newest certificate issued for `name`, for `replaces`.
    public func latestCertID(certificateName: String) async throws -> String? {
        try await withInventory { try $0.issuance.latestIssued(certificateName: certificateName)?.ariCertID }
    }
}
