internal import Foundation

/// One combined PEM file (HAProxy: key, certificate, chain), replaced
/// atomically: temp file in the same directory (O_EXCL|O_NOFOLLOW, 0600),
/// fsync, rename, fsync of the directory.
///
/// Previous contents are kept in the state dir, not beside the file:
/// HAProxy loads every file of a `crt` directory.
///
/// - Warning: writes private keys.
public struct CombinedPEMFile: Sendable {
    public let path: String
    /// STATE/deploy/<slug>: previous versions, 0700.
    public let historyDirectory: String
    public let keep: Int
    let ownership: FileOps.Ownership
    let crash: CrashInjector

    init(path: String, stateRoot: String, keep: Int, ownership: FileOps.Ownership, crash: CrashInjector) {
        self.path = path
        let slug = path.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        self.historyDirectory = stateRoot + "/deploy/" + String(slug)
        self.keep = keep
        self.ownership = ownership
        self.crash = crash
    }

    var temporaryPath: String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".clm-tmp"
    }

    public func servedFingerprint() -> String? { CertificateMaterial.fingerprint(ofPEM: FileOps.read(path)) }

    /// Removes a temp file a crashed run left.
    public func repair() { unlink(temporaryPath) }

    /// Saves the current content (if any) to the history and installs `bytes`.
    ///
    /// Returns the saved copy to roll back to: the newest one whose certificate
    /// differs from the one in `bytes`. When the file already holds exactly
    /// `bytes` (a run that crashed after the rename, then this rerun), nothing is
    /// saved or written, so the rollback still reaches the old certificate.
    /// A failure after the rename puts the saved copy back before it is thrown.
    public func install(_ bytes: [UInt8]) throws(DeployError) -> String? {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileOps.makeDirectories(parent, mode: 0o755)
        repair()
        let fingerprint = CertificateMaterial.fingerprint(ofPEM: bytes)
        let old = FileOps.read(path)
        if old == bytes {
            prune()
            return rollbackTarget(fingerprint: fingerprint)
        }
        var saved: String?
        if let old {
            try FileOps.makeDirectories(historyDirectory, mode: 0o700)
            chmod(historyDirectory, 0o700)
            let existing = history()
            let next = historyDirectory + "/" + String(format: "%06d.pem", (existing.last ?? 0) + 1)
            try FileOps.writeNew(next, old, mode: 0o600, ownership: .unchanged)
            try FileOps.fsyncDirectory(historyDirectory)
            saved = next
            crash.at("file.saved-previous")
        }
        try replace(with: bytes, undo: saved)
        prune()
        return rollbackTarget(fingerprint: fingerprint)
    }

    /// The newest saved copy whose certificate differs from `fingerprint`.
    func rollbackTarget(fingerprint: String?) -> String? {
        history().reversed().map { historyDirectory + "/" + String(format: "%06d.pem", $0) }
            .first { CertificateMaterial.fingerprint(ofPEM: FileOps.readRegular($0)) != fingerprint }
    }

    /// Fingerprint of the certificate in a saved copy.
    public func fingerprint(ofSaved saved: String) -> String? { CertificateMaterial.fingerprint(ofPEM: FileOps.readRegular(saved)) }

    /// Puts a saved version back.
    public func restore(_ saved: String) throws(DeployError) {
        guard let bytes = try FileOps.readFile(saved, followLinks: false) else {
            throw .filesystem(path: saved, operation: "read the saved version", errno: ENOENT)
        }
        try replace(with: bytes, undo: nil)
    }

    /// Temp file, rename over `path`, fsync of the directory. If the fsync
    /// fails after the rename, `undo` (a saved copy) is put back first.
    private func replace(with bytes: [UInt8], undo: String?) throws(DeployError) {
        let temporary = temporaryPath
        unlink(temporary)
        try FileOps.writeNew(temporary, bytes, mode: 0o600, ownership: ownership)
        crash.at("file.temp-written")
        try FileOps.rename(temporary, path)
        do {
            try FileOps.fsyncDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        } catch {
            if let undo { try? restore(undo) }
            throw error
        }
        crash.at("file.renamed")
    }

    func history() -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: historyDirectory)) ?? [])
            .compactMap { $0.hasSuffix(".pem") ? Int($0.dropLast(4)) : nil }.sorted()
    }

    private func prune() {
        let all = history()
        for number in all.dropLast(keep) { unlink(historyDirectory + "/" + String(format: "%06d.pem", number)) }
    }
}
