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
    let log: @Sendable (String) -> Void

    init(directory: String, keep: Int, ownership: FileOps.Ownership, crash: CrashInjector, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.directory = directory
        self.keep = keep
        self.ownership = ownership
        self.crash = crash
        self.log = log
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

    /// Fingerprint of the certificate in version `version` (cert.pem, else fullchain.pem).
    public func fingerprint(ofVersion version: String) -> String? {
        let base = stateDirectory + "/" + version + "/"
        return CertificateMaterial.fingerprint(ofPEM: FileOps.readRegular(base + "cert.pem"))
            ?? CertificateMaterial.fingerprint(ofPEM: FileOps.readRegular(base + "fullchain.pem"))
    }

    /// The files of a version, as `install` writes them for `material`.
    static func contents(of material: CertificateMaterial) -> [(String, [UInt8], mode_t)] {
        [
            ("fullchain.pem", Array(material.fullchainPEM.utf8), 0o644),
            ("privkey.pem", material.keyPEM, 0o600),
            ("cert.pem", Array(material.leafPEM.utf8), 0o644),
            ("chain.pem", Array(material.chainPEM.utf8), 0o644),
        ]
    }

    /// Installs `material` as a new version and makes it current.
    ///
    /// Returns the version to roll back to: the newest version holding a
    /// different certificate (nil when there is none, e.g. a first deploy).
    /// When the live version already holds exactly `material` (a run that
    /// crashed after the flip, then this rerun), nothing new is written and
    /// `installed` is that version, so a rollback still reaches the old set.
    /// A failure after the flip flips back before it is thrown.
    public func install(_ material: CertificateMaterial) throws(DeployError) -> (previous: String?, installed: String) {
        try FileOps.makeDirectories(directory, mode: 0o755)
        try FileOps.makeDirectory(stateDirectory, mode: 0o755)
        try repair()
        if currentVersion() == nil { try adoptExistingFiles() }
        let live = currentVersion()
        let contents = Self.contents(of: material)

        if let live, contents.allSatisfy({ FileOps.readRegular(stateDirectory + "/" + live + "/" + $0.0) == $0.1 }) {
            let previous = rollbackTarget(excluding: live, fingerprint: material.fingerprint)
            try linkStableNames()
            prune(keeping: [live, previous].compactMap { $0 })
            return (previous, live)
        }

        let number = (versions().last ?? 0) + 1
        let version = "v\(number)"
        let temporary = stateDirectory + "/" + version + ".tmp"
        try FileOps.makeDirectory(temporary, mode: 0o755)
        for (index, (name, bytes, mode)) in contents.enumerated() {
            try FileOps.writeNew(temporary + "/" + name, bytes, mode: mode, ownership: ownership)
            if index == 0 { crash.at("dir.version-partial") }
        }
        try FileOps.fsyncDirectory(temporary)
        try FileOps.rename(temporary, stateDirectory + "/" + version)
        try FileOps.fsyncDirectory(stateDirectory)
        crash.at("dir.version-written")

        do {
            try switchCurrent(to: version)
            try linkStableNames()
        } catch {
            // Undo our own flip: the caller gets no receipt, so nobody else would.
            if let live {
                do {
                    try switchCurrent(to: live)
                    try linkStableNames()
                } catch {
                    throw .unsafePath(path: currentLink, why: "installing \(version) failed (\(error)) and flipping back to \(live) failed too")
                }
            }
            throw error
        }
        crash.at("dir.links-done")
        let previous = rollbackTarget(excluding: version, fingerprint: material.fingerprint)
        prune(keeping: [version, previous].compactMap { $0 })
        return (previous, version)
    }

    /// The newest version other than `excluding` whose certificate differs from `fingerprint`.
    func rollbackTarget(excluding: String, fingerprint: String) -> String? {
        versions().reversed().map { "v\($0)" }.first { $0 != excluding && self.fingerprint(ofVersion: $0) != fingerprint }
    }

    /// Makes `version` current again (rollback). Refuses a version that lacks
    /// a file the live version has (unless that name was absent before clm
    /// took over, see `absentNamesFile`): the stable link would dangle and the
    /// server would load half a set.
    public func activate(_ version: String) throws(DeployError) {
        let versionDirectory = stateDirectory + "/" + version
        guard FileOps.kind(versionDirectory) == .directory else {
            throw .unsafePath(path: versionDirectory, why: "the version to roll back to is gone")
        }
        if let live = currentVersion(), live != version {
            let absentBefore = Set(String(decoding: FileOps.readRegular(versionDirectory + "/" + Self.absentNamesFile) ?? [], as: UTF8.self)
                .split(separator: "\n").map(String.init))
            let missing = Self.names.filter { name in
                FileOps.kind(stateDirectory + "/" + live + "/" + name) == .file && FileOps.kind(versionDirectory + "/" + name) != .file
                    && !absentBefore.contains(name)
            }
            guard missing.isEmpty else {
                throw .unsafePath(path: currentLink, why: "\(version) lacks \(missing.joined(separator: ", ")), which the live \(live) has; "
                                  + "rolling back would leave those names dangling, so the live set stays")
            }
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

    /// In v0: the stable names that did not exist (or dangled) when clm took
    /// the directory over; a rollback to v0 may leave those dangling.
    static let absentNamesFile = "absent-before-clm"

    /// First deploy over files an earlier tool wrote: copy them into v0, make
    /// v0 current, then turn each stable name into a link (each still resolves
    /// to the old content), so the later switch flips all names at once.
    ///
    /// A stable name that is a symlink (certbot's `live/` links) is read
    /// through: a regular PEM file of at most 1 MiB after resolving; a file
    /// holding a private key is copied 0600. A name that cannot be copied is
    /// left out of v0, and a rollback to v0 is then refused (see ``activate(_:)``).
    private func adoptExistingFiles() throws(DeployError) {
        var existing: [(String, [UInt8])] = []
        var absent: [String] = []
        for name in Self.names {
            let path = directory + "/" + name
            guard FileOps.kind(path) == .file || FileOps.kind(path) == .symlink else {
                if FileOps.kind(path) == .missing { absent.append(name) }
                continue
            }
            switch Result(catching: { () throws(DeployError) in try FileOps.readFile(path, followLinks: true) }) {
            case .success(nil): absent.append(name)    // a dangling link: the server could not load it either
            case .success(let bytes?) where String(decoding: bytes, as: UTF8.self).contains("-----BEGIN "): existing.append((name, bytes))
            case .success: log("\(path) is not PEM; not copied into .clm/v0")
            case .failure(let error): log("\(error); not copied into .clm/v0")
            }
        }
        guard !existing.isEmpty else { return }
        let temporary = stateDirectory + "/v0.tmp"
        // No version is current, so a v0 left by a crash is not live: rebuild it.
        FileOps.removeTree(stateDirectory + "/v0")
        try FileOps.makeDirectory(temporary, mode: 0o755)
        for (name, bytes) in existing {
            let secret = name == "privkey.pem" || String(decoding: bytes, as: UTF8.self).contains("PRIVATE KEY-----")
            try FileOps.writeNew(temporary + "/" + name, bytes, mode: secret ? 0o600 : 0o644, ownership: ownership)
        }
        try FileOps.writeNew(temporary + "/" + Self.absentNamesFile, Array(absent.map { $0 + "\n" }.joined().utf8), mode: 0o644, ownership: ownership)
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
