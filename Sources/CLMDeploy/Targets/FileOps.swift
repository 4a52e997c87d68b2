public import Foundation

/// The few file system calls a safe deploy needs, each turning errno into
/// a ``DeployError`` naming the path.
public enum FileOps {
    /// Owner and group to give new files (nil = leave as created).
    public struct Ownership: Sendable, Hashable {
        var uid: uid_t?
        var gid: gid_t?

        public static let unchanged = Ownership(uid: nil, gid: nil)

        static func resolve(owner: String?, group: String?) throws(DeployError) -> Ownership {
            var result = Ownership.unchanged
            if let owner {
                if let uid = UInt32(owner) { result.uid = uid } else {
                    guard let entry = getpwnam(owner) else { throw .unknownUser(owner) }
                    result.uid = entry.pointee.pw_uid
                }
            }
            if let group {
                if let gid = UInt32(group) { result.gid = gid } else {
                    guard let entry = getgrnam(group) else { throw .unknownGroup(group) }
                    result.gid = entry.pointee.gr_gid
                }
            }
            return result
        }
    }

    /// Creates `path` (which must not exist), never following a symlink,
    /// writes `bytes`, sets mode and owner on the open descriptor, fsyncs.
    public static func writeNew(_ path: String, _ bytes: [UInt8], mode: mode_t, ownership: Ownership) throws(DeployError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .filesystem(path: path, operation: "create", errno: errno) }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { throw .filesystem(path: path, operation: "chmod", errno: errno) }
        if ownership.uid != nil || ownership.gid != nil {
            guard fchown(fd, ownership.uid ?? UInt32.max, ownership.gid ?? UInt32.max) == 0 else {
                throw .filesystem(path: path, operation: "chown", errno: errno)
            }
        }
        var offset = 0
        while offset < bytes.count {  // non-empty here, so baseAddress is non-nil
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .filesystem(path: path, operation: "write", errno: errno) }
            offset += written
        }
        guard fsync(fd) == 0 else { throw .filesystem(path: path, operation: "fsync", errno: errno) }
    }

    static func fsyncDirectory(_ path: String) throws(DeployError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .filesystem(path: path, operation: "open directory", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .filesystem(path: path, operation: "fsync directory", errno: errno) }
    }

    static func rename(_ from: String, _ to: String) throws(DeployError) {
        guard Foundation.rename(from, to) == 0 else { throw .filesystem(path: to, operation: "rename \(from) to", errno: errno) }
    }

    /// Points `path` at `destination` by creating `path.clm-tmp` and renaming
    /// it over `path`: whatever was at `path` (file or planted symlink) is
    /// replaced, never written through.
    static func replaceWithSymlink(_ path: String, destination: String) throws(DeployError) {
        let temporary = path + ".clm-tmp"
        unlink(temporary)
        guard symlink(destination, temporary) == 0 else { throw .filesystem(path: temporary, operation: "create symlink", errno: errno) }
        try rename(temporary, path)
    }

    static func makeDirectory(_ path: String, mode: mode_t) throws(DeployError) {
        if mkdir(path, mode) != 0 && errno != EEXIST { throw .filesystem(path: path, operation: "create directory", errno: errno) }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .filesystem(path: path, operation: "stat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .unsafePath(path: path, why: "it exists and is not a directory") }
    }

    /// mkdir -p (following symlinks the operator placed above the target).
    /// A failure names the component that failed and its errno.
    public static func makeDirectories(_ path: String, mode: mode_t) throws(DeployError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") where !component.isEmpty && component != "." {
            current += "/" + component
            if mkdir(current, mode) == 0 { continue }
            let code = errno
            var info = stat()
            if stat(current, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else { throw .unsafePath(path: current, why: "it exists and is not a directory") }
                continue
            }
            throw .filesystem(path: current, operation: "create directory", errno: code)
        }
    }

    enum Kind { case missing, file, directory, symlink, other }

    static func kind(_ path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Certificate files are a few KiB; anything larger at a stable name is not one.
    static let maximumReadSize = 1 << 20

    /// Reads a regular file of at most ``maximumReadSize`` bytes: nil when nothing
    /// is at `path` (or a link there dangles). Opened with O_NONBLOCK, so a FIFO
    /// cannot block the run; a device, FIFO, directory or oversized file throws.
    public static func readFile(_ path: String, followLinks: Bool) throws(DeployError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            if code == ELOOP && !followLinks { throw .unreadable(path: path, why: "it is a symbolic link") }
            throw .filesystem(path: path, operation: "open", errno: code)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .filesystem(path: path, operation: "stat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, why: "it is not a regular file (a device, FIFO or directory)") }
        guard info.st_size <= maximumReadSize else {
            throw .unreadable(path: path, why: "it has \(info.st_size) bytes; certificate files are at most \(maximumReadSize)")
        }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .filesystem(path: path, operation: "read", errno: errno) }
            if count == 0 { break }
            result.append(contentsOf: buffer[0..<count])
            guard result.count <= maximumReadSize else { throw .unreadable(path: path, why: "it grew beyond \(maximumReadSize) bytes while being read") }
        }
        return result
    }

    /// Reads a regular file without following a symlink at `path`; nil if absent or unreadable.
    static func readRegular(_ path: String) -> [UInt8]? {
        (try? readFile(path, followLinks: false)) ?? nil
    }

    /// Reads a regular file, following symlinks (for reading what a server would load); nil if absent or unreadable.
    static func read(_ path: String) -> [UInt8]? {
        (try? readFile(path, followLinks: true)) ?? nil
    }

    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
