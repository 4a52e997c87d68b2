internal import Foundation
public import CLMInventory

/// What the request stage records about its work, so an interrupted order
/// resumes (or is abandoned cleanly) on the next run and issued certificates
/// reach the inventory. The records are the inventory's (``IssuanceStore``);
/// this is the async face the request stage calls.
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
