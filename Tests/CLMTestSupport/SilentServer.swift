#if canImport(Glibc)
internal import Glibc
#endif

/// A TCP listener on 127.0.0.1 that completes connections (through the
/// kernel backlog) but never reads or says anything: a hung server.
public final class SilentServer: @unchecked Sendable {
    // Immutable after init; the descriptor is closed once in deinit.
    public let port: UInt16
    private let fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError.commandFailed(command: "socket() failed", status: -1, stderr: "") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw TestSupportError.commandFailed(command: "bind/listen on 127.0.0.1 failed", status: -1, stderr: "")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        port = UInt16(bigEndian: addr.sin_port)
    }

    deinit { close(fd) }
}

/// A port on 127.0.0.1 where nothing listens.
public func closedLocalPort() throws -> UInt16 {
    // From the ledger of freePort(): no other test of this process is handed it,
    // and it lies below the kernel's ephemeral range (no outgoing socket takes it).
    UInt16(try TestSupport.freePort())
}
