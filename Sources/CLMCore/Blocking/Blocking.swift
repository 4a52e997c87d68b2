public import Foundation

/// The one bridge between async code and blocking work (SQLite, file reads,
/// poll/waitpid, RSA key generation, TLS handshakes, curl).
///
/// Blocking calls never run on Swift's cooperative pool or on Dispatch: on
/// the 2-core machines clm is built for both share ~2 threads, and one
/// blocked call starves every other task (measured in
/// shared/notes/swift-on-this-machine.md). Every thread clm starts is
/// started here, on a dedicated `Thread`.
public enum Blocking {
    /// Threads for a bounded loop when the caller does not say: one a core, at most eight.
    public static var defaultThreadCount: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    /// Starts a named thread running `body`.
    @discardableResult
    public static func startThread(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) -> Thread {
        let thread = Thread(block: body)
        thread.name = name
        if let stackSize { thread.stackSize = stackSize }
        thread.start()
        return thread
    }

    /// Runs `body` on a thread of its own and awaits its result (or its typed error).
    public static func run<T: Sendable, E: Error>(_ name: String = "clm-blocking",
                                                  _ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            startThread(name) { continuation.resume(returning: Result(catching: body)) }
        }
        return try result.get()
    }

    /// The one bounded-concurrency loop: calls `body(i)` for every i in
    /// 0..<count on at most `threads` dedicated threads (inline when one
    /// suffices) and returns when every call has returned.
    public static func forEach(_ count: Int, threads: Int = defaultThreadCount, name: String = "clm-worker",
                               stackSize: Int = 1 << 20, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for index in 0..<count { body(index) }
            return
        }
        let done = DispatchGroup()
        let counter = NextIndex()
        for worker in 0..<workers {
            done.enter()
            startThread("\(name)-\(worker)", stackSize: stackSize) {
                while let index = counter.next(below: count) { body(index) }
                done.leave()
            }
        }
        done.wait()
    }

    /// ``forEach(_:threads:name:stackSize:_:)`` off the caller's thread,
    /// awaited; the results in index order.
    public static func map<T: Sendable>(count: Int, threads: Int, name: String = "clm-worker", stackSize: Int = 1 << 20,
                                        _ work: @escaping @Sendable (Int) -> T) async -> [T] {
        guard count > 0 else { return [] }
        return await run(name) { () -> [T] in
            let results = IndexedResults<T>(count: count)
            forEach(count, threads: threads, name: name, stackSize: stackSize) { results.set($0, work($0)) }
            return results.values.map { $0! }  // forEach returned: every slot is set
        }
    }
}

/// A shared "next index" for the workers of one loop.
private final class NextIndex: @unchecked Sendable {
    // `value` is read and written under `lock` only.
    private let lock = NSLock()
    private var value = 0

    func next(below count: Int) -> Int? {
        lock.withLock {
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

/// Slots filled by index from several threads.
///
/// `@unchecked Sendable` because each index is written by exactly one
/// worker and read only after ``Blocking/forEach(_:threads:name:stackSize:_:)``
/// has returned (its DispatchGroup wait orders the writes before the reads).
/// The slots are a raw buffer, not a Swift Array, so concurrent writes to
/// distinct indices never touch shared copy-on-write storage.
public final class IndexedResults<Value>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Value?>

    public init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    public func set(_ index: Int, _ value: Value) { storage[index] = value }
    public var values: [Value?] { Array(storage) }
}

/// Items for long-lived worker threads, in order (the inventory
/// connection's thread, the HTTP client's curl threads).
public final class BlockingQueue<Item: Sendable>: @unchecked Sendable {
    // `items` and `closed` are guarded by `condition`.
    private let condition = NSCondition()
    private var items: [Item] = []
    private var closed = false

    public init() {}

    /// Queues `item`; false (and not queued) once the queue is closed.
    @discardableResult
    public func add(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        items.append(item)
        condition.signal()
        return true
    }

    /// No more items: the workers drain what is queued and stop.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until an item arrives; nil once closed and drained.
    public func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        return items.isEmpty ? nil : items.removeFirst()
    }
}
