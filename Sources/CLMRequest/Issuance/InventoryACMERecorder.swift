public import Foundation
internal import CLMInventory

/// ``ACMERecording`` backed by the SQLite inventory.
///
/// SQLite calls block, so they never run on Swift's cooperative pool: the
/// recorder owns one dedicated thread that opens the ``Inventory`` and runs
/// every call, in order. Callers await the result.
public final class InventoryACMERecorder: ACMERecording {
    private let worker: SerialWorker
    private let box: InventoryBox
    private let now: @Sendable () -> Date

    /// Opens (creating and migrating if needed) the inventory at `path`.
    public init(path: String, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        self.worker = SerialWorker(name: "clm-inventory-acme")
        self.box = InventoryBox()
        self.now = now
        let box = self.box
        try await worker.run { box.inventory = try Inventory(path: path) }
    }

    private func withInventory<T: Sendable>(_ body: @escaping @Sendable (Inventory) throws -> T) async throws -> T {
        let box = self.box
        return try await worker.run {
            guard let inventory = box.inventory else { throw InventoryRecorderError.closed }
            return try body(inventory)
        }
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

enum InventoryRecorderError: Error, CustomStringConvertible {
    case closed
    var description: String { "the inventory is not open" }
}

/// Holds the inventory; touched only on the worker thread.
private final class InventoryBox: @unchecked Sendable {
    var inventory: Inventory?
}

/// One thread running submitted closures in order (for blocking C libraries).
/// The thread ends when the worker is released.
final class SerialWorker: Sendable {
    private let queue = WorkQueue()

    init(name: String) {
        let queue = self.queue
        let thread = Thread { while let job = queue.next() { job() } }
        thread.name = name
        thread.start()
    }

    deinit { queue.close() }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.add { continuation.resume(with: Result { try body() }) }
        }
    }
}

private final class WorkQueue: @unchecked Sendable {
    // `jobs` and `closed` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var closed = false

    func add(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until a job arrives; nil once closed and drained.
    func next() -> (@Sendable () -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !closed { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }
}
