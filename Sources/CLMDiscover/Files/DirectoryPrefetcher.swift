internal import CLMCore
internal import Foundation

/// Lists directories ahead of the walk on a helper thread, so the two cores
/// share the kernel's work (getdents and an lstat per entry: most of a
/// rescan) while the walk itself keeps its single-threaded order.
///
/// The walk announces directories it will visit (``announce(_:)``) in the
/// order it will visit them and takes each listing when it gets there
/// (``listing(of:orList:)``): ready, in progress (it waits), or not started
/// (it lists the directory itself). At most `ahead` listings are held.
///
/// `@unchecked Sendable`: every field is guarded by `condition`.
final class DirectoryPrefetcher<Listing>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [String] = []
    private var queueStart = 0
    /// Paths are matched byte for byte (``ExactPath``): two sibling directories
    /// whose names are canonically equivalent Unicode are two directories.
    private var inProgress: ExactPath?
    private var ready: [ExactPath: Listing] = [:]
    private var stopped = false
    private var exited = false
    private let ahead: Int
    private let list: @Sendable (String) -> Listing

    init(ahead: Int = 64, list: @escaping @Sendable (String) -> Listing) {
        self.ahead = ahead
        self.list = list
        Blocking.startThread("clm-walk-prefetch") { [self] in run() }
    }

    /// A directory the walk will visit later; listed ahead when the helper has room.
    func announce(_ path: String) {
        condition.lock()
        queue.append(path)
        condition.broadcast()
        condition.unlock()
    }

    /// The listing of `path`: the prefetched one, or `list(path)` run here
    /// when the helper has not started on it.
    func listing(of path: String) -> Listing {
        let exact = ExactPath(path)
        condition.lock()
        while inProgress == exact { condition.wait() }
        if let listing = ready.removeValue(forKey: exact) {
            condition.broadcast()
            condition.unlock()
            return listing
        }
        // Not started: take it off the queue (if it is there) and list it here.
        if let index = queue[queueStart...].firstIndex(where: { ExactPath($0) == exact }) { queue[index] = "" }
        condition.unlock()
        return list(path)
    }

    /// A directory announced earlier that the walk will not visit after all.
    func discard(_ path: String) {
        let exact = ExactPath(path)
        condition.lock()
        while inProgress == exact { condition.wait() }
        if ready.removeValue(forKey: exact) == nil, let index = queue[queueStart...].firstIndex(where: { ExactPath($0) == exact }) {
            queue[index] = ""
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the helper and waits for it: the walk is over (or threw).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !exited { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            while !stopped && (queueStart == queue.count || ready.count >= ahead) { condition.wait() }
            if stopped { break }
            let path = queue[queueStart]
            queueStart += 1
            if queueStart > 4096 && queueStart * 2 > queue.count {
                queue.removeFirst(queueStart)
                queueStart = 0
            }
            guard !path.isEmpty else { continue }
            inProgress = ExactPath(path)
            condition.unlock()
            let listing = list(path)
            condition.lock()
            inProgress = nil
            ready[ExactPath(path)] = listing
            condition.broadcast()
        }
        exited = true
        condition.broadcast()
        condition.unlock()
    }
}
