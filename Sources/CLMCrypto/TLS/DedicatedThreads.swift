internal import Foundation

/// Runs blocking work on a few dedicated threads (never on Swift's
/// cooperative pool, which has one thread per core here) and hands the
/// results back to async code.
enum DedicatedThreads {
    /// Calls `work(i)` for every `i` in `0..<count` on at most `concurrency`
    /// new threads; returns the results in index order.
    static func map<T: Sendable>(count: Int, concurrency: Int,
                                 _ work: @escaping @Sendable (Int) -> T) async -> [T] {
        guard count > 0 else { return [] }
        let threads = max(1, min(concurrency, count))
        let state = SharedState<T>(count: count, threads: threads)
        return await withCheckedContinuation { (continuation: CheckedContinuation<[T], Never>) in
            state.setContinuation(continuation)
            for n in 0..<threads {
                let thread = Thread {
                    while let index = state.nextIndex() {
                        state.store(work(index), at: index)
                    }
                    state.threadFinished()
                }
                thread.name = "clm-probe-\(n)"
                thread.stackSize = 512 * 1024
                thread.start()
            }
        }
    }
}

/// Work queue and result slots shared by the worker threads.
private final class SharedState<T: Sendable>: @unchecked Sendable {
    // Every field is read and written under `lock` only.
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    private var running: Int
    private var results: [T?]
    private var continuation: CheckedContinuation<[T], Never>?

    init(count: Int, threads: Int) {
        self.count = count
        self.running = threads
        self.results = Array(repeating: nil, count: count)
    }

    func setContinuation(_ c: CheckedContinuation<[T], Never>) {
        lock.withLock { continuation = c }
    }

    func nextIndex() -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ value: T, at index: Int) {
        lock.withLock { results[index] = value }
    }

    func threadFinished() {
        let done: (CheckedContinuation<[T], Never>, [T])? = lock.withLock {
            running -= 1
            guard running == 0, let c = continuation else { return nil }
            continuation = nil
            return (c, results.compactMap { $0 })
        }
        if let (c, values) = done { c.resume(returning: values) }
    }
}
