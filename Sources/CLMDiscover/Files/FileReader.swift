public import CLMInventory
internal import CLMCore
internal import Foundation

/// Reads a file the walker found, re-checking at open time that it is
/// still the same regular file (so a file swapped for a FIFO or device
/// between `stat` and `open` is never read from).
public enum FileReader {
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case cannotOpen(String)
        case changedType
        case tooLarge(limit: Int64)
        case readFailed(String)

        public var description: String {
            switch self {
            case .cannotOpen(let reason): return "cannot open: \(reason)"
            case .changedType: return "changed into something other than a regular file while scanning; not read"
            case .tooLarge(let limit): return "grew past the \(FileWalker.describe(bytes: limit)) limit while scanning; not read"
            case .readFailed(let reason): return "read failed: \(reason)"
            }
        }
    }

    public static func read(_ file: FileSnapshot, maxSize: Int64) throws(Failure) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO that replaced the file must not block.
        let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY
        let fd = FileSystemName.kernelBytes(file.path).map { open($0, flags) } ?? open(file.path, flags)
        guard fd >= 0 else {
            let error = errno
            throw .cannotOpen(error == EACCES ? "permission denied" : String(cString: strerror(error)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .changedType }
        let expected = Int(min(Int64(info.st_size), maxSize))
        var buffer = [UInt8](repeating: 0, count: expected + 1)  // at least 1 byte: baseAddress is non-nil
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + total, raw.count - total)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .readFailed(String(cString: strerror(errno)))
            }
            if count == 0 { break }
            total += count
            if total == buffer.count {
                if Int64(total) > maxSize { throw .tooLarge(limit: maxSize) }
                buffer.append(contentsOf: repeatElement(0, count: max(4096, buffer.count)))
            }
        }
        buffer.removeSubrange(total...)
        return buffer
    }
}
