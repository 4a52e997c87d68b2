public import CLMInventory
internal import CLMCrypto
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
        public var threads = ParallelWorkers.defaultThreadCount
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
        self.sniffer = ContentSniffer(pkcs12Passwords: options.pkcs12Passwords)
    }

    /// Scans `roots` (made absolute) and returns the recorded summary.
    public func scan(roots: [String], now: Date = Date(), progress: ((Progress) -> Void)? = nil) throws(InventoryError) -> ScanRecorder.Summary {
        let absoluteRoots = roots.map(Self.absolutePath)
        let recorder = try ScanRecorder(inventory: inventory, roots: absoluteRoots, now: now)
        let known = try recorder.knownFiles()
        var batch: [FileSnapshot] = []
        let walker = FileWalker(options: options.walker)

        func report() {
            let summary = recorder.summary
            progress?(Progress(filesExamined: summary.filesExamined + summary.filesUnchanged,
                               filesUnchanged: summary.filesUnchanged, certificatesSeen: summary.certificatesSeen))
        }

        do {
        try walker.walk(roots: absoluteRoots) { entry in
            switch entry {
            case .file(let snapshot):
                if let previous = known[snapshot.path], previous.snapshot.matches(snapshot) {
                    try recorder.recordUnchanged(previous)
                } else {
                    batch.append(snapshot)
                    if batch.count >= options.batchSize {
                        try process(batch, recorder: recorder)
                        batch.removeAll(keepingCapacity: true)
                        report()
                    }
                }
            case .skipped(let path, let reason):
                try recorder.recordSkipped(path: path, reason: reason)
            case .problem(let path, let reason):
                recorder.recordWarning(ref: path, reason: reason)
            }
        }
        } catch {
            throw InventoryError.wrap(error, path: inventory.path)
        }
        try process(batch, recorder: recorder)
        report()
        return try recorder.finish(at: Date())
    }

    private struct FileOutcome: Sendable {
        var parsed: ParsedFile
        var fingerprints: [String]
        var readFailure: String?
    }

    private func process(_ files: [FileSnapshot], recorder: ScanRecorder) throws(InventoryError) {
        guard !files.isEmpty else { return }
        let maxSize = options.walker.maxFileSize
        let sniffer = self.sniffer

        // 1. Read, sniff and hash.
        let outcomes = IndexedResults<FileOutcome>(count: files.count)
        ParallelWorkers.forEach(files.count, threads: options.threads) { index in
            let file = files[index]
            do throws(FileReader.Failure) {
                let bytes = try FileReader.read(file, maxSize: maxSize)
                let parsed = sniffer.parse(bytes, path: file.path)
                outcomes.set(index, FileOutcome(parsed: parsed, fingerprints: parsed.certificates.map(Digest.sha256Hex)))
            } catch {
                outcomes.set(index, FileOutcome(parsed: ParsedFile(), fingerprints: [], readFailure: error.description))
            }
        }
        let results = outcomes.values.map { $0! }

        // 2. Which certificates are new?
        let allFingerprints = Array(Set(results.flatMap(\.fingerprints)))
        let known = try recorder.knownFingerprints(allFingerprints)

        // 3. Parse only the new ones (once each).
        var firstDER: [String: [UInt8]] = [:]
        for result in results {
            for (fingerprint, der) in zip(result.fingerprints, result.parsed.certificates) where !known.contains(fingerprint) {
                if firstDER[fingerprint] == nil { firstDER[fingerprint] = der }
            }
        }
        let pending = Array(firstDER)
        let parsedSlots = IndexedResults<Result<CertificateFacts, CertificateParseError>>(count: pending.count)
        ParallelWorkers.forEach(pending.count, threads: options.threads) { index in
            do throws(CertificateParseError) { parsedSlots.set(index, .success(CertificateFacts(try CertificateInfo(der: pending[index].value)))) } catch {
                parsedSlots.set(index, .failure(error))
            }
        }
        var facts: [String: Result<CertificateFacts, CertificateParseError>] = [:]
        for (index, slot) in parsedSlots.values.enumerated() { facts[pending[index].key] = slot }

        // 4. Record.
        for (index, file) in files.enumerated() {
            let result = results[index]
            if let failure = result.readFailure {
                try recorder.recordSkipped(path: file.path, reason: failure)
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
            let keys = result.parsed.keys.map { key in
                PrivateKeyFacts(path: file.path, format: key.format, encrypted: key.encrypted, spkiSHA256: key.spkiSHA256,
                                keyAlgorithm: key.algorithm, keyBits: key.bits,
                                ownerUID: file.ownerUID, ownerGID: file.ownerGID, mode: file.permissions)
            }
            try recorder.recordFile(file, certificates: certificates, keys: Array(keys.prefix(1)),
                                    warning: problems.isEmpty ? nil : problems.joined(separator: "; "))
        }
    }

    static func absolutePath(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        var standardized = url.standardized.path
        while standardized.count > 1 && standardized.hasSuffix("/") { standardized.removeLast() }
        return standardized
    }
}
