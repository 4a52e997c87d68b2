internal import Foundation

/// A certificate set in a directory (nginx), switched as one unit.
///
/// ### Layout
///
///     DIR/.clm/v7/{fullchain,privkey,cert,chain}.pem   one version per deploy
///     DIR/.clm/current -> v7                            the live version
///     DIR/fullchain.pem -> .clm/current/fullchain.pem   stable names
///
/// A new version is written beside the live one and fsynced; the switch is
/// a single `rename(2)` of the `current` symlink, so a reader (nginx on
/// reload) sees the whole old set or the whole new one. The previous
/// versions stay for rollback. See docs/deploy.md for the crash analysis.
///
/// - Warning: writes private keys; files are created with O_EXCL|O_NOFOLLOW
///   and a stable name that is a foreign symlink is replaced, never written through.
public struct DirectorySet: Sendable {
    public static let names = ["fullchain.pem", "privkey.pem", "cert.pem", "chain.pem"]

    public let directory: String
    public let keep: Int
    let ownership: FileOps.Ownership
    let crash: CrashInjector

    init(directory: String, keep: Int, ownership: FileOps.Ownership, crash: CrashInjector) {
        self.directory = directory
        self.keep = keep
        self.ownership = ownership
        self.crash = crash
    }

    var stateDirectory: String { directory + "/.clm" }
    var currentLink: String { stateDirectory + "/current" }

    /// The live version ("v7"), if any.
    public func currentVersion() -> String? {
        guard let target = FileOps.readLink(currentLink), FileOps.kind(stateDirectory + "/" + target) == .directory else { return nil }
        return target
    }

    /// Fingerprint of the certificate the stable cert.pem resolves to now.
    public func servedFingerprint() -> String? {
        CertificateMaterial.fingerprint(ofPEM: FileOps.read(directory + "/cert.pem"))
            ?? CertificateMaterial.fingerprint(ofPEM: FileOps.read(directory + "/fullchain.pem"))
    }

    /// Version numbers present, ascending.
    func versions() -> [Int] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        return entries.compactMap { $0.hasPrefix("v") && !$0.hasSuffix(".tmp") ? Int($0.dropFirst()) : nil }.sorted()
    }

    /// Installs `material` as a new version and makes it current.
    /// Returns the version that was current before (nil on a first deploy).
    public func install(_ material: CertificateMaterial) throws(DeployError) -> (previous: String?, installed: String) {
        try FileOps.makeDirectories(directory, mode: 0o755)
        try FileOps.makeDirectory(stateDirectory, mode: 0o755)
        try repair()
        if currentVersion() == nil { try adoptExistingFiles() }
        let previous = currentVersion()

        let number = (versions().last ?? 0) + 1
        let version = "v\(number)"
        let temporary = stateDirectory + "/" + version + ".tmp"
        try FileOps.makeDirectory(temporary, mode: 0o755)
        let contents: [(String, [UInt8], mode_t)] = [
            ("fullchain.pem", Array(material.fullchainPEM.utf8), 0o644),
            ("privkey.pem", material.keyPEM, 0o600),
            ("cert.pem", Array(material.leafPEM.utf8), 0o644),
            ("chain.pem", Array(material.chainPEM.utf8), 0o644),
        ]
        for (index, (name, bytes, mode)) in contents.enumerated() {
            try FileOps.writeNew(temporary + "/" + name, bytes, mode: mode, ownership: ownership)
            if index == 0 { crash.at("dir.version-partial") }
        }
        try FileOps.fsyncDirectory(temporary)
        try FileOps.rename(temporary, stateDirectory + "/" + version)
        try FileOps.fsyncDirectory(stateDirectory)
        crash.at("dir.version-written")

        try switchCurrent(to: version)
        try linkStableNames()
        crash.at("dir.links-done")
        prune(keeping: [version, previous].compactMap { $0 })
        return (previous, version)
    }

    /// Makes `version` current again (rollback).
    public func activate(_ version: String) throws(DeployError) {
        guard FileOps.kind(stateDirectory + "/" + version) == .directory else {
            throw .unsafePath(path: stateDirectory + "/" + version, why: "the version to roll back to is gone")
        }
        try switchCurrent(to: version)
        try linkStableNames()
    }

    /// Finishes or undoes what a crashed run left: removes half-written
    /// versions and a stray `current.tmp`, and completes the conversion of
    /// stable names into links.
    public func repair() throws(DeployError) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        for entry in entries where entry.hasSuffix(".tmp") { FileOps.removeTree(stateDirectory + "/" + entry) }
        for name in Self.names { unlink(directory + "/" + name + ".clm-tmp") }
        if currentVersion() != nil { try linkStableNames() }
    }

    /// The atomic switch: `current.tmp -> version`, renamed over `current`.
    private func switchCurrent(to version: String) throws(DeployError) {
        let temporary = stateDirectory + "/current.tmp"
        unlink(temporary)
        guard symlink(version, temporary) == 0 else { throw .filesystem(path: temporary, operation: "create symlink", errno: errno) }
        crash.at("dir.current-tmp")
        try FileOps.rename(temporary, currentLink)
        try FileOps.fsyncDirectory(stateDirectory)
        crash.at("dir.flipped")
    }

    /// Each stable name becomes a relative link to `.clm/current/NAME`.
    private func linkStableNames() throws(DeployError) {
        var changed = false
        for name in Self.names {
            let path = directory + "/" + name
            let wanted = ".clm/current/" + name
            if FileOps.kind(path) == .symlink && FileOps.readLink(path) == wanted { continue }
            if FileOps.kind(path) == .directory { throw .unsafePath(path: path, why: "a directory stands where the \(name) file belongs") }
            try FileOps.replaceWithSymlink(path, destination: wanted)
            changed = true
        }
        if changed { try FileOps.fsyncDirectory(directory) }
    }

    /// First deploy over files an earlier tool wrote: copy them into v0, make
    /// v0 current, then turn each stable name into a link (each still resolves
    /// to the old content), so the later switch flips all names at once.
    private func adoptExistingFiles() throws(DeployError) {
        let existing = Self.names.compactMap { name in FileOps.readRegular(directory + "/" + name).map { (name, $0) } }
        guard !existing.isEmpty else { return }
        let temporary = stateDirectory + "/v0.tmp"
        // No version is current, so a v0 left by a crash is not live: rebuild it.
        FileOps.removeTree(stateDirectory + "/v0")
        try FileOps.makeDirectory(temporary, mode: 0o755)
        for (name, bytes) in existing {
            try FileOps.writeNew(temporary + "/" + name, bytes, mode: name == "privkey.pem" ? 0o600 : 0o644, ownership: ownership)
        }
        try FileOps.fsyncDirectory(temporary)
        try FileOps.rename(temporary, stateDirectory + "/v0")
        try FileOps.fsyncDirectory(stateDirectory)
        crash.at("dir.v0-written")
        try switchCurrent(to: "v0")
        crash.at("dir.v0-current")
        for (index, (name, _)) in existing.enumerated() {
            try FileOps.replaceWithSymlink(directory + "/" + name, destination: ".clm/current/" + name)
            if index == 0 { crash.at("dir.link-converted") }
        }
        try FileOps.fsyncDirectory(directory)
    }

    /// Deletes versions beyond the newest `keep` previous ones.
    private func prune(keeping live: [String]) {
        let all = versions().map { "v\($0)" }
        let older = all.filter { !live.contains($0) }
        let excess = max(0, older.count - max(0, keep - 1))
        for version in older.prefix(excess) { FileOps.removeTree(stateDirectory + "/" + version) }
    }
}
