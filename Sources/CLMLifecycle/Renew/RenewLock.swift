internal import CLMDeploy
internal import Foundation

/// One `clm renew` / `clm deploy` per state dir: an exclusive flock(2) on
/// STATE/renew.lock, held until the object is released (or the process dies,
/// which the kernel turns into an unlock).
public final class RenewLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Takes the lock or throws ``LifecycleError/locked(path:)`` at once.
    public init(stateRoot: String) throws(LifecycleError) {
        path = stateRoot + "/renew.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .files(.filesystem(path: path, operation: "open lock file", errno: errno)) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .locked(path: path) }
            throw .files(.filesystem(path: path, operation: "lock", errno: code))
        }
        let pid = Array("\(getpid())\n".utf8)
        ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
