public import Foundation

/// Replaces a file as a whole: readers see the old content or the new,
/// never half of it, and the content is on disk before the rename.
///
/// The temporary file gets an unpredictable name and is created exclusively
/// without following symlinks, with its final mode from the first byte, so a
/// file or link planted at the temporary path is never written through.
public enum AtomicFile {
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public let path: String
        public let operation: String
        public let errno: Int32

        public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(Failure) {
        let temporary = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(path: temporary, operation: "create", errno: errno) }
        func fail(_ operation: String) -> Failure {
            let failure = Failure(path: temporary, operation: operation, errno: errno)
            close(fd)
            unlink(temporary)
            return failure
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw fail("write")
            }
            offset += written
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else { throw fail("sync") }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let failure = Failure(path: path, operation: "rename into", errno: errno)
            unlink(temporary)
            throw failure
        }
        let directory = (path as NSString).deletingLastPathComponent
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }
}
