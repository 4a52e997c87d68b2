public import CLMInventory
internal import CLMCrypto
internal import CLMCore
public import Foundation

/// `clm scan PATH...`: walks the roots, reads what changed since the last
/// scan, and records certificates and keys in the inventory.
///
/// ### Pipeline, per batch of files
/// 1. read and sniff the files, hash every certificate's DER (parallel);
/// 2. ask the inventory which fingerprints it already holds;
/// 3. fully parse only the new certificates (parallel);
/// 4. record everything (one writer).
/// Unchanged files (same device, inode, size and mtime) are not read at all.
public final class FileScanner {
    public struct Options: Sendable {
        public var walker = FileWalker.Options()
        public var pkcs12Passwords: [String] = []
        /// Adds the library detail (OpenSSL's error queue) to warnings; `-v`.
        public var detailedWarnings = false
        public var threads = Blocking.defaultThreadCount
        public var batchSize = 512

        public init() {}
    }

    /// Progress so far, for a TTY display.
    public struct Progress: Sendable {
        public var filesExamined: Int
        public var filesUnchanged: Int
        public var certificatesSeen: Int
    }

    private let inventory: Inventory
    private let options: Options
    private let sniffer: ContentSniffer

    public init(inventory: Inventory, options: Options = Options()) {
        self.inventory = inventory
        self.options = options
        self.sniffer = ContentSniffer(pkcs12Passwords: options.pkcs12Passwords, detailedWarnings: options.detailedWarnings)
    }

    /// Scans `roots` (made absolute) and returns the recorded summary.
    public func scan(roots: [String], now: Date = Date(), progress: ((Progress) -> Void)? = nil) throws(InventoryError) -> ScanRecorder.Summary {
        let absoluteRoots = roots.map(Self.absolutePath)
        let recorder = try inventory.scans.beginScan(roots: absoluteRoots, now: now)
        // What the inventory knew and the walk has not reached yet: each path
        // is hashed once (looked up and taken out together); what is left
        // at the end has vanished.
        var known = try recorder.knownFiles()
        let lookup = try inventory.scans.fingerprintReader()
        let writer = ScanWriter(recorder: recorder)
        writer.start()
        var pendingFiles: [FileSnapshot] = []
        var pendingRecordedBefore: [Bool] = []
        var batch = ScanWriter.Batch()
        var counts = Progress(filesExamined: 0, filesUnchanged: 0, certificatesSeen: 0)
        let walker = FileWalker(options: options.walker)

        func flush() throws(InventoryError) {
            let prepared = try prepare(pendingFiles, recordedBefore: pendingRecordedBefore, lookup: lookup)
            batch.items.append(contentsOf: prepared.items)
            counts.filesExamined += pendingFiles.count
            counts.certificatesSeen += prepared.certificateCount
            pendingFiles.removeAll(keepingCapacity: true)
            pendingRecordedBefore.removeAll(keepingCapacity: true)
            try writer.submit(batch)
            batch = ScanWriter.Batch()
            progress?(counts)
        }

        do {
            try walker.walk(roots: absoluteRoots, expectedFiles: known.count) { entry in
                switch entry {
                case .file(let snapshot):
                    let previous = known.removeValue(forKey: ExactPath(snapshot.path))
                    if let previous, previous.snapshot.matches(snapshot) {
                        batch.items.append(.unchanged(previous))
                        counts.filesUnchanged += 1
                        counts.filesExamined += 1
                    } else {
                        pendingFiles.append(snapshot)
                        pendingRecordedBefore.append(previous != nil)
                        if pendingFiles.count >= options.batchSize { try flush() }
                    }
                case .skipped(let path, let reason):
                    known.removeValue(forKey: ExactPath(path))
                    batch.items.append(.skipped(path: path, reason: reason))
                case .problem(let path, let reason):
                    batch.items.append(.warning(ref: path, reason: reason))
                case .unreadableDirectory(let path, let reason):
                    batch.items.append(.unreadableDirectory(path: path, reason: reason))
                }
            }
            try flush()
        } catch {
            writer.abandon(at: Date())
            throw InventoryError.wrap(error, path: inventory.path)
        }
        return try writer.finish(at: Date(), vanished: known.keys.map(\.path))
    }

    private struct FileOutcome: Sendable {
        var parsed: ParsedFile
        var fingerprints: [String]
        var readFailure: String?
    }

    /// Reads, sniffs and hashes `files`, then parses the certificates the
    /// inventory does not hold yet: everything but the writing.
    private func prepare(_ files: [FileSnapshot], recordedBefore: [Bool],
                         lookup: any FingerprintReader) throws(InventoryError) -> (items: [ScanWriter.Batch.Item], certificateCount: Int) {
        guard !files.isEmpty else { return ([], 0) }
        let results = readAll(files)
        let known = try lookup.known(Array(Set(results.flatMap(\.fingerprints))))
        let facts = parseNew(results, known: known)
        return Self.items(files, recordedBefore: recordedBefore, results: results, facts: facts)
    }

    /// 1. Read, sniff and hash, on the worker threads.
    private func readAll(_ files: [FileSnapshot]) -> [FileOutcome] {
        let maxSize = options.walker.maxFileSize
        let sniffer = self.sniffer
        let outcomes = IndexedResults<FileOutcome>(count: files.count)
        Blocking.forEach(files.count, threads: options.threads) { index in
            let file = files[index]
            do throws(FileReader.Failure) {
                let bytes = try FileReader.read(file, maxSize: maxSize)
                let parsed = sniffer.parse(bytes, path: file.path)
                outcomes.set(index, FileOutcome(parsed: parsed, fingerprints: parsed.certificates.map(Digest.sha256Hex)))
            } catch {
                outcomes.set(index, FileOutcome(parsed: ParsedFile(), fingerprints: [], readFailure: error.description))
            }
        }
        // forEach sets every index; a hole would be a bug here, reported as a read failure, not a trap.
        return outcomes.values.map { $0 ?? FileOutcome(parsed: ParsedFile(), fingerprints: [], readFailure: "internal error: not read") }
    }

    /// 2. Parse only the certificates the inventory does not know (once each).
    private func parseNew(_ results: [FileOutcome], known: Set<String>) -> [String: Result<CertificateFacts, CertificateParseError>] {
        var firstDER: [String: [UInt8]] = [:]
        for result in results {
            for (fingerprint, der) in zip(result.fingerprints, result.parsed.certificates) where !known.contains(fingerprint) {
                if firstDER[fingerprint] == nil { firstDER[fingerprint] = der }
            }
        }
        let pending = Array(firstDER)
        let parsedSlots = IndexedResults<Result<CertificateFacts, CertificateParseError>>(count: pending.count)
        Blocking.forEach(pending.count, threads: options.threads) { index in
            do throws(CertificateParseError) { parsedSlots.set(index, .success(CertificateFacts(try CertificateInfo(der: pending[index].value)))) } catch {
                parsedSlots.set(index, .failure(error))
            }
        }
        var facts: [String: Result<CertificateFacts, CertificateParseError>] = [:]
        for (index, slot) in parsedSlots.values.enumerated() { facts[pending[index].key] = slot }
        return facts
    }

    /// 3. What to record, in walk order.
    private static func items(_ files: [FileSnapshot], recordedBefore: [Bool], results: [FileOutcome],
                              facts: [String: Result<CertificateFacts, CertificateParseError>]) -> (items: [ScanWriter.Batch.Item], certificateCount: Int) {
        var items: [ScanWriter.Batch.Item] = []
        var certificateCount = 0
        for (index, file) in files.enumerated() {
            let result = results[index]
            if let failure = result.readFailure {
                items.append(.skipped(path: file.path, reason: failure))
                continue
            }
            var problems = result.parsed.problems
            var certificates: [(fingerprint: String, facts: CertificateFacts?)] = []
            for (position, fingerprint) in result.fingerprints.enumerated() {
                switch facts[fingerprint] {
                case .none: certificates.append((fingerprint, nil))
                case .success(let value): certificates.append((fingerprint, value))
                case .failure(let error): problems.append("certificate \(position + 1): \(error)")
                }
            }
            certificateCount += certificates.count
            // One key per file: the inventory keys private_key rows by path.
            let keys = result.parsed.keys.prefix(1).map { key in
                PrivateKeyFacts(path: file.path, format: key.format, encrypted: key.encrypted, spkiSHA256: key.spkiSHA256,
                                keyAlgorithm: key.algorithm, keyBits: key.bits,
                                ownerUID: file.ownerUID, ownerGID: file.ownerGID, mode: file.permissions)
            }
            items.append(.file(file, certificates: certificates, keys: Array(keys),
                               warning: ScanRecorder.fileWarning(problems), recordedBefore: recordedBefore[index]))
            if let note = result.parsed.note { items.append(.note(ref: file.path, reason: note)) }
        }
        return (items, certificateCount)
    }

    static func absolutePath(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        var standardized = url.standardized.path
        while standardized.count > 1 && standardized.hasSuffix("/") { standardized.removeLast() }
        return standardized
    }
}
