public import CLMInventory
internal import CLMCore
internal import Foundation

/// Walks directory trees the way a careful operator would: follows
/// symlinks but never loops, never opens FIFOs, sockets or devices, skips
/// oversized files, and reports what it could not read instead of stopping.
public struct FileWalker: Sendable {
    public struct Options: Sendable {
        public var maxFileSize: Int64
        /// fnmatch(3) patterns, matched against the full path and the file name.
        public var excludes: [String]

        public init(maxFileSize: Int64 = 10 * 1024 * 1024, excludes: [String] = []) {
            self.maxFileSize = maxFileSize
            self.excludes = excludes
        }
    }

    /// What the walk found at one path.
    public enum Entry: Sendable {
        /// A regular file small enough to read.
        case file(FileSnapshot)
        /// Something that exists but will not be read, and why.
        case skipped(path: String, reason: String)
        /// A path that could not be examined at all (missing root, broken link, loop).
        case problem(path: String, reason: String)
        /// A directory that exists but could not be listed: what the
        /// inventory knows under it is kept, not marked gone.
        case unreadableDirectory(path: String, reason: String)
    }

    public let options: Options

    public init(options: Options = Options()) { self.options = options }

    private struct NodeID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    /// A path still to visit, with what the directory listing already
    /// learned about it (so the walk stats each entry once, relative to its
    /// open directory, as find(1) does, not by full path).
    private struct Pending {
        let path: String
        /// lstat(2) of the entry when it is not a symlink; nil when unknown.
        let info: Attributes?
        /// A symlink, to be followed after everything reachable without links.
        let isLink: Bool
    }

    /// Visits every entry under `roots`, depth first, in name order.
    /// `expectedFiles` (what the last scan saw) sizes the walk's sets up front.
    public func walk(roots: [String], expectedFiles: Int = 0, visit: (Entry) throws -> Void) rethrows {
        var seenDirectories = Set<NodeID>()
        var seenFiles = Set<NodeID>(minimumCapacity: expectedFiles)
        // Roots are stat(2)ed: a root given as a symlink is followed at once.
        var pending: [Pending] = roots.reversed().map { Pending(path: $0, info: nil, isLink: false) }
        // Symlinks are visited after everything reachable without them, so
        // a file is recorded under its real name when the tree has one.
        var deferredLinks: [String] = []
        var followingLinks = false
        // Started at the first subdirectory: a walk of one file or one flat directory needs no helper.
        var prefetcher: DirectoryPrefetcher<Result<[DirectoryEntry], DirectoryFailure>>?
        defer { prefetcher?.stop() }
        while true {
            guard let next = pending.popLast() else {
                guard !deferredLinks.isEmpty else { break }
                pending = deferredLinks.reversed().map { Pending(path: $0, info: nil, isLink: false) }
                deferredLinks.removeAll()
                followingLinks = true
                continue
            }
            let path = next.path
            if isExcluded(path) { continue }
            if next.isLink && !followingLinks {
                deferredLinks.append(path)
                continue
            }
            let info: Attributes
            if let known = next.info {
                info = known
            } else {
                var status = stat()
                guard Self.statPath(path, &status) == 0 else {
                    try visit(.problem(path: path, reason: Self.statFailure(path, errno)))
                    continue
                }
                info = Attributes(status)
            }
            let id = NodeID(device: info.device, inode: info.inode)
            switch info.mode & S_IFMT {
            case S_IFDIR:
                // A directory reached twice (bind mount, symlink loop) is walked once.
                guard seenDirectories.insert(id).inserted else {
                    prefetcher?.discard(path)
                    continue
                }
                switch prefetcher?.listing(of: path) ?? listDirectory(path) {
                case .success(let entries):
                    let prefix = path.hasSuffix("/") ? path : path + "/"
                    // Byte order: names that are canonically equivalent Unicode are distinct files with a fixed order.
                    let sorted = entries.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
                    for entry in sorted.reversed() {
                        pending.append(Pending(path: prefix + entry.name, info: entry.info, isLink: entry.isLink))
                    }
                    // Subdirectories in the order the walk reaches them, listed ahead on the other core.
                    for entry in sorted where entry.info.map({ $0.mode & S_IFMT == S_IFDIR }) == true {
                        let child = prefix + entry.name
                        guard !isExcluded(child) else { continue }
                        if prefetcher == nil { prefetcher = DirectoryPrefetcher { [self] in listDirectory($0) } }
                        prefetcher?.announce(child)
                    }
                case .failure(let failure):
                    try visit(.unreadableDirectory(path: path, reason: failure.reason))
                }
            case S_IFREG:
                // A file reached twice through links is one file.
                guard seenFiles.insert(id).inserted else { continue }
                try visit(regularFile(path, info))
            case let type:
                try visit(.skipped(path: path, reason: Self.notRegular(type)))
            }
        }
    }

    /// Why stat(2) failed on `path`, in words.
    static func statFailure(_ path: String, _ error: Int32) -> String {
        var linkInfo = stat()
        let isLink = lstatPath(path, &linkInfo) == 0 && (linkInfo.st_mode & S_IFMT) == S_IFLNK
        switch error {
        case ELOOP: return "symlink loop"
        case ENOENT where isLink: return "broken symlink (target does not exist)"
        case ENOENT: return "no such file or directory"
        case EACCES: return "permission denied"
        default: return String(cString: strerror(error))
        }
    }

    /// A regular file to read, or skipped for its size.
    private func regularFile(_ path: String, _ info: Attributes) -> Entry {
        if info.size > options.maxFileSize {
            return .skipped(path: path, reason: "larger than the \(Self.describe(bytes: options.maxFileSize)) limit (\(Self.describe(bytes: info.size))); raise --max-file-size to read it")
        }
        return .file(FileSnapshot(
            path: path, device: info.device, inode: info.inode, size: info.size, mtimeNanoseconds: info.mtimeNanoseconds,
            ownerUID: info.ownerUID, ownerGID: info.ownerGID, permissions: UInt32(info.mode & 0o7777)))
    }

    /// What the walk keeps of a stat(2): small, so listings sort and queue cheaply.
    struct Attributes {
        let device: UInt64
        let inode: UInt64
        let size: Int64
        let mtimeNanoseconds: Int64
        let mode: mode_t
        let ownerUID: uid_t
        let ownerGID: gid_t

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            mtimeNanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
            mode = status.st_mode
            ownerUID = status.st_uid
            ownerGID = status.st_gid
        }
    }

    /// FIFOs, sockets and devices are never opened: a read could block forever or never end.
    static func notRegular(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: return "not a regular file (FIFO); not opened"
        case S_IFSOCK: return "not a regular file (socket); not opened"
        case S_IFCHR, S_IFBLK: return "not a regular file (device); not opened"
        default: return "not a regular file; not opened"
        }
    }

    private func isExcluded(_ path: String) -> Bool {
        guard !options.excludes.isEmpty else { return false }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return options.excludes.contains { pattern in
            fnmatch(pattern, path, 0) == 0 || fnmatch(pattern, name, 0) == 0
        }
    }

    struct DirectoryEntry {
        let name: String
        let info: Attributes?
        let isLink: Bool
    }

    /// The entries of `path`, each lstat(2)ed relative to the open directory.
    func listDirectory(_ path: String) -> Result<[DirectoryEntry], DirectoryFailure> {
        guard let directory = FileSystemName.kernelBytes(path).map({ opendir($0) }) ?? opendir(path) else {
            let error = errno
            return .failure(DirectoryFailure(error == EACCES ? "permission denied (directory not readable)" : String(cString: strerror(error))))
        }
        defer { closedir(directory) }
        let descriptor = dirfd(directory)
        var entries: [DirectoryEntry] = []
        while let entry = readdir(directory) {
            var info = stat()
            let (name, status) = withUnsafeBytes(of: entry.pointee.d_name) { raw -> (String, Int32) in
                let status = raw.withMemoryRebound(to: CChar.self) { fstatat(descriptor, $0.baseAddress!, &info, AT_SYMLINK_NOFOLLOW) }
                let length = raw.firstIndex(of: 0) ?? raw.count
                return (FileSystemName.decode(UnsafeRawBufferPointer(rebasing: raw[..<length])), status)
            }
            guard name != "." && name != ".." else { continue }
            // A failed lstat (the entry vanished, no permission) is left to the
            // walk's own stat, which reports it with the full path.
            let isLink = status == 0 && (info.st_mode & S_IFMT) == S_IFLNK
            entries.append(DirectoryEntry(name: name, info: status == 0 && !isLink ? Attributes(info) : nil, isLink: isLink))
        }
        return .success(entries)
    }

    /// stat/lstat on the bytes the name really has (see ``FileSystemName``).
    static func statPath(_ path: String, _ info: inout stat) -> Int32 {
        if let bytes = FileSystemName.kernelBytes(path) { return stat(bytes, &info) }
        return stat(path, &info)
    }

    static func lstatPath(_ path: String, _ info: inout stat) -> Int32 {
        if let bytes = FileSystemName.kernelBytes(path) { return lstat(bytes, &info) }
        return lstat(path, &info)
    }

    static func describe(bytes: Int64) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

struct DirectoryFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

extension Result where Failure == DirectoryFailure {
    fileprivate static func failure(_ reason: String) -> Self { .failure(DirectoryFailure(reason)) }
}
