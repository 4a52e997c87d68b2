internal import CLMSQLite
internal import CLMPostgres
internal import Foundation
internal import CLMCore

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
    /// Files the inventory knew under the roots that the walk did not reach.
    private var vanished: [String] = []
    /// Files that exist but were not read: what they held stays alive.
    private var skipped: Set<ExactPath> = []
    private var inTransaction = false
    private let lock: ScanLock
    private(set) var summary: Summary
    /// On the shared inventory rows go out a batch at a time (``PostgresScanBatch``).
    private let postgres: PostgresConnection?
    private var batch = PostgresScanBatch()
    /// The per-file statements, prepared once per scan (SQLite).
    private var fileStatements: FileStatements?
    private var unconfirmed: Bool?

    private struct FileStatements {
        let upsertLocation: Database.Statement
        let retireOtherLocations: Database.Statement
        let retireOtherKey: Database.Statement
        let upsertFileState: Database.Statement
    }

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
        if database.dialect == .sqlite {
            // A scan writes in bursts: checkpoint the WAL every ~64 MiB instead of every 4 MiB.
            try inventory.read { try database.execute("PRAGMA wal_autocheckpoint = 16384") }
        }
    }

    /// What the inventory remembers of files under the scan's roots.
    public func knownFiles() throws(InventoryError) -> [ExactPath: KnownFile] {
        try inventory.read {
            var files: [ExactPath: KnownFile] = [:]
            // Sized up front: growing a dictionary of 100,000 paths rehashes it many times.
            files.reserveCapacity(Int(try database.prepare("SELECT count(*) FROM file_state").scalarInt() ?? 0))
            let statement = try database.prepare("SELECT path, device, inode, size, mtime_ns, warning FROM file_state")
            try statement.query { row in
                let path = row.string(0)
                guard self.isUnderRoots(path) else { return }
                let snapshot = FileSnapshot(path: path, device: UInt64(bitPattern: row.int64(1)), inode: UInt64(bitPattern: row.int64(2)),
                                            size: row.int64(3), mtimeNanoseconds: row.int64(4))
                files[ExactPath(path)] = KnownFile(snapshot: snapshot, warning: row.text(5))
            }
            return files
        }
    }

    /// A file that was read: its certificates (in file order; `facts` nil
    /// when the inventory already holds that fingerprint), keys and problem.
    /// The file holds exactly these now: whatever else was recorded at its
    /// path (an older certificate, a key since removed) is marked gone.
    public func recordFile(_ file: FileSnapshot, certificates: [(fingerprint: String, facts: CertificateFacts?)],
                           keys: [PrivateKeyFacts], warning: String?, recordedBefore: Bool) throws(InventoryError) {
        try inBatch {
            summary.filesExamined += 1
            if postgres != nil {
                batch.addFile(file, certificates: certificates, keys: keys, warning: warning)
                summary.certificatesSeen += certificates.count
                summary.keysSeen += keys.count
                if let warning { addWarning(ref: file.path, reason: warning) }
                return
            }
            let statements = try self.statements()
            for (position, certificate) in certificates.enumerated() {
                let id = try upsertCertificate(fingerprint: certificate.fingerprint, facts: certificate.facts)
                try statements.upsertLocation.run([id, file.path, position, now, now, summary.scanID])
                summary.certificatesSeen += 1
            }
            for key in keys { try upsertKey(key) }
            // A path the inventory never read holds nothing older, unless a deploy recorded it (a cold scan skips both).
            if try recordedBefore || holdsUnconfirmedRows() {
                try statements.retireOtherLocations.run([now, file.path, summary.scanID])
                summary.locationsGone += database.changes
                try statements.retireOtherKey.run([now, file.path, summary.scanID])
            }
            try statements.upsertFileState.run([file.path, Int64(bitPattern: file.device), Int64(bitPattern: file.inode), file.size,
                                                file.mtimeNanoseconds, warning.map(ScanRecorder.bounded), summary.scanID])
            if let warning { addWarning(ref: file.path, reason: warning) }
        }
    }

    /// A file whose snapshot matches the inventory: nothing to write now; the
    /// set-wide update in ``finish(at:)`` renews its sighting. Its earlier
    /// warning, if any, is repeated.
    public func recordUnchanged(_ known: KnownFile) throws(InventoryError) {
        summary.filesUnchanged += 1
        if let warning = known.warning { addWarning(ref: known.snapshot.path, reason: warning) }
    }

    /// A file that exists but was not read (too large, unreadable, special):
    /// its locations stay alive, since we cannot tell what it holds.
    public func recordSkipped(path: String, reason: String) throws(InventoryError) {
        summary.filesSkipped += 1
        skipped.insert(ExactPath(path))
        addWarning(ref: path, reason: reason)
    }

    /// Files from ``knownFiles()`` that the walk did not reach: gone at
    /// ``finish(at:)``, unless under a directory that could not be listed.
    public func recordVanished(_ paths: [String]) {
        vanished.append(contentsOf: paths)
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
        summary.warnings.append(Warning(ref: roots.joined(separator: " "), reason: "scan interrupted; files it did not reach were not marked gone"))
        try? database.prepare("UPDATE scan SET finished_at = ?, warning_count = ? WHERE id = ?")
            .run([endValue, summary.warnings.count, summary.scanID])
        lock.release()
    }

    /// Marks what vanished gone, renews the sighting of everything else under
    /// the roots and closes the scan record, in one transaction. Until this
    /// commits, an interrupted scan has marked gone only what changed in the
    /// files it read (each holds exactly what was read); nothing it did not
    /// reach.
    public func finish(at end: Date) throws(InventoryError) -> Summary {
        try commitBatch()
        let scanID = summary.scanID
        summary = try inventory.write {
            var summary = self.summary
            try markVanishedFilesGone(&summary)
            try markUnconfirmedGone(&summary, scanID: scanID)
            try renewSightings(&summary, scanID: scanID)
            try storeWarnings(&summary, scanID: scanID)
            try closeScanRecord(summary, end: end)
            return summary
        }
        lock.release()
        return summary
    }

    /// Files the inventory knew that the walk did not reach (outside
    /// directories it could not list) have gone, with what they held.
    private func markVanishedFilesGone(_ summary: inout Summary) throws {
        let paths = vanished.filter { !isUnderUnreadableDirectory($0) }.sorted()
        summary.locationsGone += try retire("location", column: "ref", where: "kind = 'file' AND gone_since IS NULL", paths: paths)
        _ = try retire("private_key", column: "path", where: "gone_since IS NULL", paths: paths)
        try inChunks(of: paths) { chunk, list in try database.prepare("DELETE FROM file_state WHERE path IN (\(list))").run(chunk) }
    }

    /// Locations and keys recorded by a deploy or an issuance (no scan has
    /// confirmed them: `last_scan_id` NULL) under the roots, that this scan
    /// did not read: their file is not there any more. Skipped files and
    /// unlistable directories keep theirs.
    private func markUnconfirmedGone(_ summary: inout Summary, scanID: Int64) throws {
        guard try holdsUnconfirmedRows() else { return }
        for (table, column, extra) in [("location", "ref", "kind = 'file' AND "), ("private_key", "path", "")] {
            var candidates: Set<ExactPath> = []
            for root in roots {
                try database.prepare("SELECT DISTINCT \(column) FROM \(table) WHERE \(extra)gone_since IS NULL AND last_scan_id IS NULL AND \(ScanRecorder.scope(column))")
                    .query(ScanRecorder.scopeArguments(root)) { row in candidates.insert(ExactPath(row.string(0))) }
            }
            let paths = candidates.filter { !skipped.contains($0) && !isUnderUnreadableDirectory($0.path) }.map(\.path)
            let gone = try retire(table, column: column, where: "\(extra)gone_since IS NULL AND last_scan_id IS NULL", paths: paths)
            if table == "location" { summary.locationsGone += gone }
        }
    }

    /// Marks the live rows of `table` at `paths` gone, a chunk of paths per
    /// statement (one round trip per chunk on the shared inventory); returns how many.
    private func retire(_ table: String, column: String, where condition: String, paths: [String]) throws -> Int {
        var count = 0
        try inChunks(of: paths) { chunk, list in
            try database.prepare("UPDATE \(table) SET gone_since = ? WHERE \(condition) AND \(column) IN (\(list))").run([now] + chunk)
            count += database.changes
        }
        return count
    }

    private func inChunks(of paths: [String], _ body: ([any SQLiteBindable], String) throws -> Void) throws {
        var start = 0
        while start < paths.count {
            let chunk = Array(paths[start..<min(start + 500, paths.count)])
            try body(chunk, Array(repeating: "?", count: chunk.count).joined(separator: ", "))
            start += chunk.count
        }
    }

    /// Everything still alive under the roots was seen (read now, unchanged,
    /// skipped, or under a directory that could not be listed): one update per
    /// root and table, instead of a write per unchanged file.
    private func renewSightings(_ summary: inout Summary, scanID: Int64) throws {
        var notSeen = (certificates: 0, keys: 0)
        for directory in unreadableDirectories {
            notSeen.certificates += Int(try database.prepare("""
                SELECT count(*) FROM location WHERE kind = 'file' AND gone_since IS NULL
                AND (last_scan_id IS NULL OR last_scan_id <> ?) AND \(ScanRecorder.scope("ref"))
                """).scalarInt([scanID] + ScanRecorder.scopeArguments(directory)) ?? 0)
            notSeen.keys += Int(try database.prepare("""
                SELECT count(*) FROM private_key WHERE gone_since IS NULL
                AND (last_scan_id IS NULL OR last_scan_id <> ?) AND \(ScanRecorder.scope("path"))
                """).scalarInt([scanID] + ScanRecorder.scopeArguments(directory)) ?? 0)
        }
        for root in roots {
            try database.prepare("""
                UPDATE location SET last_seen = ?, last_scan_id = ? WHERE kind = 'file' AND gone_since IS NULL
                AND (last_scan_id IS NULL OR last_scan_id <> ?) AND \(ScanRecorder.scope("ref"))
                """).run([now, scanID, scanID] + ScanRecorder.scopeArguments(root))
            summary.certificatesSeen += database.changes
            try database.prepare("""
                UPDATE private_key SET last_seen = ?, last_scan_id = ? WHERE gone_since IS NULL
                AND (last_scan_id IS NULL OR last_scan_id <> ?) AND \(ScanRecorder.scope("path"))
                """).run([now, scanID, scanID] + ScanRecorder.scopeArguments(root))
            summary.keysSeen += database.changes
        }
        summary.certificatesSeen -= notSeen.certificates
        summary.keysSeen -= notSeen.keys
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

    /// Whether any live location or key is unconfirmed by a scan (recorded by
    /// a deploy or an issuance), asked once per scan and only when needed.
    private func holdsUnconfirmedRows() throws -> Bool {
        if let unconfirmed { return unconfirmed }
        let found = try database.prepare("""
            SELECT EXISTS (SELECT 1 FROM location WHERE kind = 'file' AND gone_since IS NULL AND last_scan_id IS NULL)
                OR EXISTS (SELECT 1 FROM private_key WHERE gone_since IS NULL AND last_scan_id IS NULL)
            """).scalarInt() == 1
        unconfirmed = found
        return found
    }

    private func statements() throws -> FileStatements {
        if let fileStatements { return fileStatements }
        let made = FileStatements(
            upsertLocation: try database.prepare("""
                INSERT INTO location (certificate_id, kind, ref, position, first_seen, last_seen, last_scan_id)
                VALUES (?, 'file', ?, ?, ?, ?, ?)
                ON CONFLICT (certificate_id, kind, ref) DO UPDATE SET
                    position = excluded.position, last_seen = excluded.last_seen,
                    last_scan_id = excluded.last_scan_id, gone_since = NULL
                """),
            retireOtherLocations: try database.prepare("""
                UPDATE location SET gone_since = ? WHERE kind = 'file' AND ref = ? AND gone_since IS NULL
                AND (last_scan_id IS NULL OR last_scan_id <> ?)
                """),
            retireOtherKey: try database.prepare("""
                UPDATE private_key SET gone_since = ? WHERE path = ? AND gone_since IS NULL
                AND (last_scan_id IS NULL OR last_scan_id <> ?)
                """),
            upsertFileState: try database.prepare("""
                INSERT INTO file_state (path, device, inode, size, mtime_ns, warning, last_scan_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (path) DO UPDATE SET device = excluded.device, inode = excluded.inode, size = excluded.size,
                    mtime_ns = excluded.mtime_ns, warning = excluded.warning, last_scan_id = excluded.last_scan_id
                """))
        fileStatements = made
        return made
    }

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

    // Byte for byte, as SQLite compares: `String` equality would take a
    // canonically equivalent spelling of a name for the same path.
    private func isUnderUnreadableDirectory(_ path: String) -> Bool {
        let exact = ExactPath(path)
        return unreadableDirectories.contains { exact.isWithin($0) }
    }

    private func isUnderRoots(_ path: String) -> Bool {
        let exact = ExactPath(path)
        return roots.contains { exact.isWithin($0) }
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
            if let postgres, !batch.isEmpty {
                let written = try batch.flush(postgres, now: now, scanID: summary.scanID)
                summary.certificatesNew += written.certificatesNew
                summary.locationsGone += written.locationsGone
            }
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
