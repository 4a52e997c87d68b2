internal import Foundation
internal import Synchronization

/// Runs an indexed loop on a few dedicated threads.
///
/// Dedicated threads rather than Dispatch or the cooperative pool: on a
/// 2-core machine both of those share ~2 threads, and file reads block.
enum ParallelWorkers {
    static var defaultThreadCount: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    /// Calls `body(i)` for every i in 0..<count, at most `threads` at once,
    /// and returns when all calls have returned.
    static func forEach(_ count: Int, threads: Int = defaultThreadCount, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let workers = min(threads, count)
        if workers == 1 {
            for index in 0..<count { body(index) }
            return
        }
        let done = DispatchGroup()
        let box = AtomicCounter()
        for _ in 0..<workers {
            done.enter()
            let thread = Thread {
                while true {
                    let index = box.next()
                    if index >= count { break }
                    body(index)
                }
                done.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        done.wait()
    }
}

/// A shared "next index" for workers.
final class AtomicCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

/// Slots filled by index from several threads.
///
/// `@unchecked Sendable` because each index is written by exactly one
/// worker and read only after `ParallelWorkers.forEach` has returned (the
/// DispatchGroup wait orders the writes before the reads). The slots are a
/// raw buffer, not a Swift Array, so concurrent writes to distinct indices
/// never touch shared copy-on-write storage.
final class IndexedResults<Value>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Value?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    func set(_ index: Int, _ value: Value) { storage[index] = value }
    var values: [Value?] { Array(storage) }
}
