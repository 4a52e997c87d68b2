internal import CLMSQLite
internal import CLMPostgres
internal import Foundation

/// What one scan run records, and the bounds on it (``SQLScanSession`` writes it).
public enum ScanRecorder {
    public struct KnownFile: Sendable {
        public let snapshot: FileSnapshot
        public let warning: String?
    }

    public struct Summary: Sendable, Hashable, Codable {
        public var scanID: Int64
        public var filesExamined = 0
        public var filesUnchanged = 0
        public var filesSkipped = 0
        public var certificatesSeen = 0
        public var certificatesNew = 0
        public var keysSeen = 0
        public var locationsGone = 0
        public var warnings: [Warning] = []
        /// Files recognised and deliberately not inventoried (a CRL, a CSR):
        /// one line each, for people, not a problem.
        public var notes: [Warning] = []
        /// Warnings past ``ScanRecorder/maxWarningsPerScan``: counted, not kept.
        public var warningsDropped = 0

        public init(scanID: Int64) { self.scanID = scanID }
    }

    public struct Warning: Sendable, Hashable, Codable {
        public let ref: String
        public let reason: String
        public init(ref: String, reason: String) {
            self.ref = ref
            self.reason = reason
        }
    }

    // Bounds on what one hostile tree can make a scan print and store
    // (150k garbage PEM blocks in one file made an 18.5 MB warning; 200k
    // empty files added 14 MB of warning rows per scan).
    /// Problems named per file; the rest are counted.
    static let maxProblemsPerFile = 10
    /// Characters of one warning's reason.
    static let maxWarningLength = 1_000
    /// Warnings kept (shown and stored) per scan; the rest are counted.
    static let maxWarningsPerScan = 1_000
    /// Scans whose warnings the inventory keeps.
    static let keptScanWarnings = 20

    /// One file's problems as its warning: the first few, then a count.
    public static func fileWarning(_ problems: [String]) -> String? {
        guard !problems.isEmpty else { return nil }
        let shown = problems.prefix(maxProblemsPerFile).joined(separator: "; ")
        // The count first, so truncation never hides it.
        return bounded(problems.count > maxProblemsPerFile ? "\(problems.count) problems, the first \(maxProblemsPerFile): " + shown : shown)
    }

    static func bounded(_ reason: String) -> String {
        guard reason.utf8.count > maxWarningLength else { return reason }
        let kept = String(decoding: reason.utf8.prefix(maxWarningLength), as: UTF8.self)
        return kept + "… (\(reason.utf8.count - maxWarningLength) more bytes)"
    }

    /// `column` is `root` or lies under it. A byte-wise range (BINARY
    /// collation in SQLite, "C" in PostgreSQL's schema compare UTF-8 bytes),
    /// so any file name works: everything starting with "root/" sorts
    /// between "root/" and "root0".
    static func scope(_ column: String) -> String {
        "(\(column) = ? OR (\(column) >= ? AND \(column) < ?))"
    }

    static func scopeArguments(_ root: String) -> [any SQLiteBindable] {
        let base = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        let prefix = base == "/" ? "/" : base + "/"
        let upper = base == "/" ? "0" : base + "0"  // "0" follows "/" in ASCII
        return [base, prefix, upper]
    }
}

/// Records one scan run in the inventory: certificates and keys per file,
/// unchanged files, warnings, and at the end which locations have gone.
///
/// Writes are grouped into transactions of `batchSize` files so a long scan
/// neither holds one giant transaction nor pays a commit per file.
final class SQLScanSession<Database: SQLDatabase>: ScanSession {
    typealias KnownFile = ScanRecorder.KnownFile
    typealias Summary = ScanRecorder.Summary
    typealias Warning = ScanRecorder.Warning

    private let inventory: Inventory
    private let database: Database
    private let roots: [String]
    private let now: Int64
    private let batchSize: Int
    private var pendingInBatch = 0
    private var unreadableDirectories: [String] = []
    private var inTransaction = false
    private let lock: ScanLock
    private(set) var summary: Summary
    /// On the shared inventory rows go out a batch at a time (``PostgresScanBatch``).
    private let postgres: PostgresConnection?
    private var batch = PostgresScanBatch()

    init(inventory: Inventory, database: Database, roots: [String], now: Date, batchSize: Int = 2000) throws(InventoryError) {
        self.inventory = inventory
        self.database = database
        self.roots = roots
        self.now = Int64(now.timeIntervalSince1970)
        self.batchSize = batchSize
        postgres = (database as? PostgresSQLDatabase)?.connection
        lock = try ScanLock(inventory: inventory)
        let rootsJSON = String(decoding: (try? JSONEncoder().encode(roots)) ?? Data("[]".utf8), as: UTF8.self)
        let nowValue = self.now
        let id = try inventory.write {
            try database.prepare("INSERT INTO scan (started_at, roots) VALUES (?, ?) RETURNING id").scalarInt([nowValue, rootsJSON]) ?? 0
        }
        summary = Summary(scanID: id)
        try inventory.read {
            switch database.dialect {
            case .sqlite:
                try database.execute("CREATE TEMP TABLE IF NOT EXISTS unchanged_path (path TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM unchanged_path;")
                // A scan writes in bursts: checkpoint the WAL every ~64 MiB instead of every 4 MiB.
                try database.execute("PRAGMA wal_autocheckpoint = 16384")
            case .postgres:
                try database.execute("CREATE TEMP TABLE IF NOT EXISTS unchanged_path (path text COLLATE \"C\" PRIMARY KEY); DELETE FROM unchanged_path;")
            }
        }
    }

    /// What the inventory remembers of files under the scan's roots.
    public func knownFiles() throws(InventoryError) -> [String: KnownFile] {
        try inventory.read {
            var files: [String: KnownFile] = [:]
            let statement = try database.prepare("SELECT path, device, inode, size, mtime_ns, warning FROM file_state")
            try statement.query { row in
                let path = row.string(0)
                guard self.isUnderRoots(path) else { return }
                let snapshot = FileSnapshot(path: path, device: UInt64(bitPattern: row.int64(1)), inode: UInt64(bitPattern: row.int64(2)),
                                            size: row.int64(3), mtimeNanoseconds: row.int64(4))
                files[path] = KnownFile(snapshot: snapshot, warning: row.text(5))
            }
            return files
        }
    }

    /// A file that was read: its certificates (in file order; `facts` nil
    /// when the inventory already holds that fingerprint), keys and problem.
    public func recordFile(_ file: FileSnapshot, certificates: [(fingerprint: String, facts: CertificateFacts?)],
                           keys: [PrivateKeyFacts], warning: String?) throws(InventoryError) {
        try inBatch {
            summary.filesExamined += 1
            if postgres != nil {
                batch.addFile(file, certificates: certificates, keys: keys, warning: warning)
                summary.certificatesSeen += certificates.count
                summary.keysSeen += keys.count
                if let warning { addWarning(ref: file.path, reason: warning) }
                return
            }
            for (position, certificate) in certificates.enumerated() {
                let id = try upsertCertificate(fingerprint: certificate.fingerprint, facts: certificate.facts)
                try database.cached("""
                    INSERT INTO location (certificate_id, kind, ref, position, first_seen, last_seen, last_scan_id)
                    VALUES (?, 'file', ?, ?, ?, ?, ?)
                    ON CONFLICT (certificate_id, kind, ref) DO UPDATE SET
                        position = excluded.position, last_seen = excluded.last_seen,
                        last_scan_id = excluded.last_scan_id, gone_since = NULL
                    """).run([id, file.path, position, now, now, summary.scanID])
                summary.certificatesSeen += 1
            }
            for key in keys { try upsertKey(key) }
            try database.cached("""
                INSERT INTO file_state (path, device, inode, size, mtime_ns, warning, last_scan_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (path) DO UPDATE SET device = excluded.device, inode = excluded.inode, size = excluded.size,
                    mtime_ns = excluded.mtime_ns, warning = excluded.warning, last_scan_id = excluded.last_scan_id
                """).run([file.path, Int64(bitPattern: file.device), Int64(bitPattern: file.inode), file.size,
                          file.mtimeNanoseconds, warning.map(ScanRecorder.bounded), summary.scanID])
            if let warning { addWarning(ref: file.path, reason: warning) }
        }
    }

    /// A file whose snapshot matches the inventory: keep its locations alive
    /// without reading it. Its earlier warning, if any, is repeated.
    public func recordUnchanged(_ known: KnownFile) throws(InventoryError) {
        try inBatch {
            summary.filesUnchanged += 1
            if postgres != nil {
                batch.addUnchanged(known.snapshot.path)
                if let warning = known.warning { addWarning(ref: known.snapshot.path, reason: warning) }
                return
            }
            try database.cached("INSERT INTO unchanged_path (path) VALUES (?) ON CONFLICT DO NOTHING").run([known.snapshot.path])
            if let warning = known.warning { addWarning(ref: known.snapshot.path, reason: warning) }
        }
    }

    /// A file that exists but was not read (too large, unreadable, special):
    /// its locations stay alive, since we cannot tell what it holds.
    public func recordSkipped(path: String, reason: String) throws(InventoryError) {
        try inBatch {
            summary.filesSkipped += 1
            if postgres != nil {
                batch.addUnchanged(path)
                addWarning(ref: path, reason: reason)
                return
            }
            try database.cached("INSERT INTO unchanged_path (path) VALUES (?) ON CONFLICT DO NOTHING").run([path])
            addWarning(ref: path, reason: reason)
        }
    }

    /// An information line about a file (not a warning: nothing is wrong).
    /// Capped like warnings: a tree of a million CSRs must not fill memory.
    public func recordNote(ref: String, reason: String) {
        guard summary.notes.count < ScanRecorder.maxWarningsPerScan else { return }
        summary.notes.append(Warning(ref: ScanRecorder.bounded(ref), reason: ScanRecorder.bounded(reason)))
    }

    /// A problem with no file of its own (a root that does not exist ...).
    public func recordWarning(ref: String, reason: String) {
        addWarning(ref: ref, reason: reason)
    }

    /// A directory that exists but could not be listed: everything recorded
    /// under it stays alive, since we cannot tell what it holds now.
    public func recordUnreadableDirectory(path: String, reason: String) {
        unreadableDirectories.append(path)
        addWarning(ref: path, reason: reason)
    }

    /// Closes an interrupted scan: what was written stays, nothing is marked gone.
    public func abandon(at end: Date) {
        try? rollback()
        let endValue = Int64(end.timeIntervalSince1970)
        summary.warnings.append(Warning(ref: roots.joined(separator: " "), reason: "scan interrupted; nothing was marked gone"))
        try? database.prepare("UPDATE scan SET finished_at = ?, warning_count = ? WHERE id = ?")
            .run([endValue, summary.warnings.count, summary.scanID])
        try? database.execute("DELETE FROM \(temporary).unchanged_path")
        lock.release()
    }

    /// Applies unchanged files, marks vanished locations gone and closes
    /// the scan record, in one transaction.
    public func finish(at end: Date) throws(InventoryError) -> Summary {
        try commitBatch()
        let scanID = summary.scanID
        summary = try inventory.write {
            var summary = self.summary
            try bumpUnchanged(&summary, scanID: scanID)
            try keepUnreadableDirectories(scanID: scanID)
            try markGone(&summary, scanID: scanID)
            try storeWarnings(&summary, scanID: scanID)
            try closeScanRecord(summary, end: end)
            try database.execute("DELETE FROM \(temporary).unchanged_path")
            return summary
        }
        lock.release()
        return summary
    }

    /// Unchanged and skipped files: bump everything recorded for them.
    private func bumpUnchanged(_ summary: inout Summary, scanID: Int64) throws {
        try database.prepare("""
            UPDATE location SET last_seen = ?, last_scan_id = ?
            WHERE kind = 'file' AND ref IN (SELECT path FROM \(temporary).unchanged_path)
            """).run([now, scanID])
        summary.certificatesSeen += database.changes
        try database.prepare("""
            UPDATE private_key SET last_seen = ?, last_scan_id = ?
            WHERE path IN (SELECT path FROM \(temporary).unchanged_path)
            """).run([now, scanID])
        summary.keysSeen += database.changes
        try database.prepare("UPDATE file_state SET last_scan_id = ? WHERE path IN (SELECT path FROM \(temporary).unchanged_path)").run([scanID])
    }

    /// Subtrees we could not list keep what they had.
    private func keepUnreadableDirectories(scanID: Int64) throws {
        for directory in unreadableDirectories {
            try database.prepare("UPDATE location SET last_seen = ?, last_scan_id = ? WHERE kind = 'file' AND gone_since IS NULL AND \(ScanRecorder.scope("ref"))")
                .run([now, scanID] + ScanRecorder.scopeArguments(directory))
            try database.prepare("UPDATE private_key SET last_seen = ?, last_scan_id = ? WHERE gone_since IS NULL AND \(ScanRecorder.scope("path"))")
                .run([now, scanID] + ScanRecorder.scopeArguments(directory))
            try database.prepare("UPDATE file_state SET last_scan_id = ? WHERE \(ScanRecorder.scope("path"))")
                .run([scanID] + ScanRecorder.scopeArguments(directory))
        }
    }

    /// Whatever under our roots was not seen in this scan has gone.
    private func markGone(_ summary: inout Summary, scanID: Int64) throws {
        for root in roots {
            try database.prepare("""
                UPDATE location SET gone_since = ? WHERE kind = 'file' AND gone_since IS NULL
                AND (last_scan_id IS NULL OR last_scan_id <> ?) AND \(ScanRecorder.scope("ref"))
                """).run([now, scanID] + ScanRecorder.scopeArguments(root))
            summary.locationsGone += database.changes
            try database.prepare("""
                UPDATE private_key SET gone_since = ? WHERE gone_since IS NULL
                AND (last_scan_id IS NULL OR last_scan_id <> ?) AND \(ScanRecorder.scope("path"))
                """).run([now, scanID] + ScanRecorder.scopeArguments(root))
            try database.prepare("DELETE FROM file_state WHERE last_scan_id <> ? AND \(ScanRecorder.scope("path"))")
                .run([scanID] + ScanRecorder.scopeArguments(root))
        }
    }

    /// This scan's warnings (with a note of how many were dropped); older
    /// scans' warnings go, so a daily timer does not grow the inventory forever.
    private func storeWarnings(_ summary: inout Summary, scanID: Int64) throws {
        if summary.warningsDropped > 0 {
            summary.warnings.append(Warning(ref: roots.joined(separator: " "),
                                            reason: "\(summary.warningsDropped) more warnings not shown or stored (the first \(ScanRecorder.maxWarningsPerScan) are)"))
        }
        let warningStatement = try database.prepare("INSERT INTO scan_warning (scan_id, ref, reason) VALUES (?, ?, ?)")
        for warning in summary.warnings { try warningStatement.run([scanID, warning.ref, warning.reason]) }
        try database.prepare("""
            DELETE FROM scan_warning WHERE scan_id NOT IN (SELECT id FROM scan ORDER BY id DESC LIMIT ?)
            """).run([ScanRecorder.keptScanWarnings])
    }

    private func closeScanRecord(_ summary: Summary, end: Date) throws {
        try database.prepare("""
            UPDATE scan SET finished_at = ?, files_examined = ?, files_unchanged = ?, files_skipped = ?,
                certificates_seen = ?, certificates_new = ?, keys_seen = ?, locations_gone = ?, warning_count = ?
            WHERE id = ?
            """).run([Int64(end.timeIntervalSince1970), summary.filesExamined, summary.filesUnchanged, summary.filesSkipped,
                      summary.certificatesSeen, summary.certificatesNew, summary.keysSeen, summary.locationsGone,
                      summary.warnings.count + summary.warningsDropped, summary.scanID])
    }

    // MARK: - Internals

    private var temporary: String { database.dialect.temporarySchema }

    private func upsertCertificate(fingerprint: String, facts: CertificateFacts?) throws -> Int64 {
        let result = try CertificateWriter(database: database, now: now).upsertReportingNew(fingerprint: fingerprint, facts: facts)
        if result.inserted { summary.certificatesNew += 1 }
        return result.id
    }

    private func upsertKey(_ key: PrivateKeyFacts) throws {
        try CertificateWriter(database: database, now: now).upsertKey(key, scanID: summary.scanID)
        summary.keysSeen += 1
    }

    private func addWarning(ref: String, reason: String) {
        guard summary.warnings.count < ScanRecorder.maxWarningsPerScan else {
            summary.warningsDropped += 1
            return
        }
        summary.warnings.append(Warning(ref: ScanRecorder.bounded(ref), reason: ScanRecorder.bounded(reason)))
    }

    private func isUnderRoots(_ path: String) -> Bool {
        roots.contains { root in
            path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
        }
    }

    private func inBatch(_ body: () throws -> Void) throws(InventoryError) {
        do {
            if !inTransaction {
                switch database.dialect {
                case .sqlite: try database.execute("BEGIN IMMEDIATE")
                // A scan batch lost with a crashed server is re-recorded by the next scan (its files are
                // not in file_state), so it need not wait for the WAL flush, like SQLite's synchronous=NORMAL.
                case .postgres: try database.execute("BEGIN; SET LOCAL synchronous_commit = off")
                }
                inTransaction = true
            }
            try body()
            pendingInBatch += 1
            if pendingInBatch >= batchSize { try commitBatch() }
        } catch {
            try? rollback()
            throw .wrap(error, path: inventory.path)
        }
    }

    private func commitBatch() throws(InventoryError) {
        guard inTransaction else { return }
        do {
            if let postgres, !batch.isEmpty { summary.certificatesNew += try batch.flush(postgres, now: now, scanID: summary.scanID) }
            try database.execute("COMMIT")
        } catch {
            try? rollback()
            throw .wrap(error, path: inventory.path)
        }
        inTransaction = false
        pendingInBatch = 0
    }

    private func rollback() throws {
        batch = PostgresScanBatch()
        guard inTransaction else { return }
        inTransaction = false
        pendingInBatch = 0
        try database.execute("ROLLBACK")
    }
}
