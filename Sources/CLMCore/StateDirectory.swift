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

    /// Creates the directory (and parents) with mode 0700 if it is missing.
    /// An existing directory keeps its mode: the operator may have chosen one.
    public func create() throws(StateDirectoryError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notADirectory(path) }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotCreate(path, reason: error.localizedDescription)
        }
        chmod(path, 0o700)
    }
}

public enum StateDirectoryError: Error, Sendable, Hashable, CustomStringConvertible {
    case notADirectory(String)
    case cannotCreate(String, reason: String)

    public var description: String {
        switch self {
        case .notADirectory(let path): return "state directory \(path) exists but is not a directory (set CLM_HOME or --db)"
        case .cannotCreate(let path, let reason): return "cannot create state directory \(path): \(reason) (set CLM_HOME or --db)"
        }
    }
}
