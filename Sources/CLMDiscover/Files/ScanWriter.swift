internal import CLMCore
internal import CLMInventory
internal import Foundation

/// The scan's single writer: a dedicated thread that records prepared
/// batches while the caller reads and parses the next ones.
///
/// `@unchecked Sendable`: the recorder (and its SQLite connection) is used
/// only by the writer thread between `start` and `finish`; the queue and
/// failure are guarded by `condition`.
final class ScanWriter: @unchecked Sendable {
    /// Everything one batch asks the inventory to record, in walk order.
    struct Batch {
        enum Item {
            case file(FileSnapshot, certificates: [(fingerprint: String, facts: CertificateFacts?)], keys: [PrivateKeyFacts], warning: String?,
                      recordedBefore: Bool)
            case unchanged(ScanRecorder.KnownFile)
            case skipped(path: String, reason: String)
            case warning(ref: String, reason: String)
            case note(ref: String, reason: String)
            case unreadableDirectory(path: String, reason: String)
        }
        var items: [Item] = []
    }

    private let recorder: any ScanSession
    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var closed = false
    private var exited = false
    private var failure: InventoryError?
    private let maxQueued: Int

    init(recorder: any ScanSession, maxQueued: Int = 2) {
        self.recorder = recorder
        self.maxQueued = maxQueued
    }

    func start() {
        Blocking.startThread("clm-scan-writer") { [self] in run() }
    }

    /// Queues a batch; waits while `maxQueued` batches are pending, so memory stays bounded.
    func submit(_ batch: Batch) throws(InventoryError) {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= maxQueued && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(batch)
        condition.broadcast()
    }

    /// Stops after the batches already queued and closes the scan record
    /// without marking anything gone: an interrupted scan proves nothing
    /// about what it did not reach.
    func abandon(at end: Date) {
        condition.lock()
        queue.removeAll()
        closed = true
        condition.broadcast()
        while !exited { condition.wait() }
        condition.unlock()
        recorder.abandon(at: end)
    }

    /// Waits for every batch to be written, then marks `vanished` (known
    /// files the walk did not reach) gone and closes the scan record.
    func finish(at end: Date, vanished: [String]) throws(InventoryError) -> ScanRecorder.Summary {
        condition.lock()
        closed = true
        condition.broadcast()
        while !exited { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
        recorder.recordVanished(vanished)
        return try recorder.finish(at: end)
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty {
                exited = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue.removeFirst()
            condition.broadcast()
            let failed = failure != nil
            condition.unlock()
            guard !failed else { continue }
            do throws(InventoryError) {
                for item in batch.items {
                    switch item {
                    case .file(let file, let certificates, let keys, let warning, let recordedBefore):
                        try recorder.recordFile(file, certificates: certificates, keys: keys, warning: warning, recordedBefore: recordedBefore)
                    case .unchanged(let known):
                        try recorder.recordUnchanged(known)
                    case .skipped(let path, let reason):
                        try recorder.recordSkipped(path: path, reason: reason)
                    case .warning(let ref, let reason):
                        recorder.recordWarning(ref: ref, reason: reason)
                    case .note(let ref, let reason):
                        recorder.recordNote(ref: ref, reason: reason)
                    case .unreadableDirectory(let path, let reason):
                        recorder.recordUnreadableDirectory(path: path, reason: reason)
                    }
                }
            } catch {
                condition.lock()
                failure = error
                condition.broadcast()
                condition.unlock()
            }
        }
    }
}
