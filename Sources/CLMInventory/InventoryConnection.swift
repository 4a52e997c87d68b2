internal import Foundation
internal import CLMCore

/// The one inventory connection of a command, handed to every stage.
///
/// SQLite calls block, so they never run on Swift's cooperative pool: the
/// connection owns one dedicated thread that opens the ``Inventory`` on
/// first use (once; a failure to open is kept and reported to every call)
/// and runs every call in order. The thread ends when the connection is
/// released.
public final class InventoryConnection: Sendable {
    public let location: InventoryTarget
    /// The file, or the shared inventory's redacted URL (for messages).
    public var path: String { location.description }
    private let queue = BlockingQueue<@Sendable () -> Void>()
    private let state: OpenState

    public convenience init(path: String) { self.init(location: .sqlite(path)) }

    public init(location: InventoryTarget) {
        self.location = location
        let (queue, state) = (self.queue, OpenState())
        self.state = state
        state.thread = Blocking.startThread("clm-inventory") { while let job = queue.next() { job() } }
    }

    deinit { queue.close() }

    /// Runs `body` with the inventory on the connection's thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Inventory) throws -> T) async throws -> T {
        let (state, location) = (self.state, self.location)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.add { continuation.resume(with: Result { try body(try state.inventory(location)) }) }
        }
    }

    /// Runs `body` with the inventory and waits for it: for code on a thread
    /// of its own that may block (the deploy thread), never the cooperative pool.
    public func runBlocking<T>(_ body: (Inventory) throws -> T) throws -> T {
        let (state, location) = (self.state, self.location)
        if Thread.current === state.thread { return try body(try state.inventory(location)) }
        return try withoutActuallyEscaping(body) { body in
            let call = BlockingCall(body)
            let done = DispatchSemaphore(value: 0)
            queue.add {
                call.run { try state.inventory(location) }
                done.signal()
            }
            done.wait()
            return try call.result!.get()
        }
    }
}

/// The inventory and its opening outcome; touched only on the connection's thread
/// (`thread` is set once, before the thread starts).
private final class OpenState: @unchecked Sendable {
    var thread: Thread?
    private var opened: Result<Inventory, any Error>?

    func inventory(_ location: InventoryTarget) throws -> Inventory {
        if opened == nil { opened = Result { try location.open() } }
        return try opened!.get()
    }
}

/// A caller's closure and its result, handed to the connection's thread while the caller waits.
private final class BlockingCall<T>: @unchecked Sendable {
    private var body: ((Inventory) throws -> T)?
    var result: Result<T, any Error>?

    init(_ body: @escaping (Inventory) throws -> T) { self.body = body }

    /// Runs the closure once and lets go of it before the caller resumes
    /// (it must not outlive `withoutActuallyEscaping`).
    func run(_ inventory: () throws -> Inventory) {
        guard let body else { return }
        result = Result { try body(try inventory()) }
        self.body = nil
    }
}
