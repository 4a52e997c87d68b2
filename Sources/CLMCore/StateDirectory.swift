internal import Foundation

/// Where clm keeps its inventory, keys and locks.
///
/// `CLM_HOME` wins; otherwise `/var/lib/clm` for root and
/// `$XDG_DATA_HOME/clm` (default `~/.local/share/clm`) for everyone else.
public struct StateDirectory: Sendable, Hashable {
    public let path: String

    public init(path: String) { self.path = path }

    public static func resolve(environment: [String: String], isRoot: Bool) -> StateDirectory {
        if let home = environment["CLM_HOME"], !home.isEmpty { return StateDirectory(path: home) }
        if isRoot { return StateDirectory(path: "/var/lib/clm") }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return StateDirectory(path: xdg + "/clm") }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return StateDirectory(path: home + "/.local/share/clm")
    }

    /// The state directory for this process.
    public static func current() -> StateDirectory {
        resolve(environment: ProcessInfo.processInfo.environment, isRoot: geteuid() == 0)
    }

    public var inventoryPath: String { path + "/inventory.sqlite" }

    /// Creates the directory (and parents) with mode 0700 if it is missing,
    /// then checks it can be trusted (``verifyTrust()``). An existing
    /// directory keeps its mode as long as nobody else can write to it.
    public func create() throws(StateDirectoryError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notADirectory(path) }
            try verifyTrust()
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotCreate(path, reason: error.localizedDescription)
        }
        chmod(path, 0o700)
        try verifyTrust()
    }

    /// What lives directly in the state dir, checked like the dir itself.
    static let knownEntries = ["inventory.sqlite", "inventory.sqlite-wal", "inventory.sqlite-shm", "inventory.sqlite.scan-lock",
                               "certificates", "accounts"]

    /// Refuses, as ssh does with ~/.ssh, a state dir, inventory or key
    /// directory that someone else could have planted or can change: a
    /// symlink, owned by neither this user nor root, or writable by group or
    /// others. The certificate and account directories one level down too.
    public func verifyTrust() throws(StateDirectoryError) {
        try Self.checkTrusted(path, directory: true)
        for entry in Self.knownEntries {
            let child = path + "/" + entry
            guard let isDirectory = try Self.checkTrustedIfPresent(child) else { continue }
            guard isDirectory, entry == "certificates" || entry == "accounts" else { continue }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: child)) ?? [] {
                _ = try Self.checkTrustedIfPresent(child + "/" + name)
            }
        }
    }

    /// A file's own trust (no following of symlinks), for `--db` paths, and
    /// its directory's: in a directory others can write (and that has no
    /// sticky bit) they could swap the inventory or plant its journal.
    public static func verifyTrustedFile(_ path: String) throws(StateDirectoryError) {
        _ = try checkTrustedIfPresent(path)
        let parent = (path as NSString).deletingLastPathComponent
        var info = stat()
        guard stat(parent.isEmpty ? "." : parent, &info) == 0 else { return }
        if info.st_mode & 0o022 != 0, info.st_mode & S_ISVTX == 0 {
            throw .untrusted(parent.isEmpty ? "." : parent,
                             reason: "the directory of \(path) is writable by others and has no sticky bit (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
    }

    /// nil when `path` does not exist; whether it is a directory otherwise.
    @discardableResult
    static func checkTrustedIfPresent(_ path: String) throws(StateDirectoryError) -> Bool? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return try checkTrusted(path, info: info)
    }

    static func checkTrusted(_ path: String, directory: Bool) throws(StateDirectoryError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .cannotCreate(path, reason: String(cString: strerror(errno))) }
        let isDirectory = try checkTrusted(path, info: info)
        if directory, !isDirectory { throw .notADirectory(path) }
    }

    private static func checkTrusted(_ path: String, info: stat) throws(StateDirectoryError) -> Bool {
        let type = info.st_mode & S_IFMT
        if type == S_IFLNK { throw .untrusted(path, reason: "it is a symlink") }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw .untrusted(path, reason: "it is owned by uid \(info.st_uid), not by this user (uid \(geteuid())) or root")
        }
        if info.st_mode & 0o022 != 0 {
            let who = [info.st_mode & 0o020 != 0 ? "group" : nil, info.st_mode & 0o002 != 0 ? "others" : nil].compactMap { $0 }
            throw .untrusted(path, reason: "it is writable by \(who.joined(separator: " and ")) (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
        return type == S_IFDIR
    }
}

public enum StateDirectoryError: Error, Sendable, Hashable, CustomStringConvertible {
    case notADirectory(String)
    case cannotCreate(String, reason: String)
    /// Someone else could have planted or can change it.
    case untrusted(String, reason: String)

    public var description: String {
        switch self {
        case .notADirectory(let path): return "state directory \(path) exists but is not a directory (set CLM_HOME or --db)"
        case .cannotCreate(let path, let reason): return "cannot create state directory \(path): \(reason) (set CLM_HOME or --db)"
        case .untrusted(let path, let reason):
            return "refusing to use \(path): \(reason); another user could read or change clm's inventory and keys (fix the owner and mode, e.g. chown and chmod go-w, or remove it)"
        }
    }
}
