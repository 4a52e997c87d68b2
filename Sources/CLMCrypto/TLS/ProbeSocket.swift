internal import Foundation
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A point in monotonic time after which a phase gives up.
struct Deadline {
    let instant: ContinuousClock.Instant
    let seconds: Double

    init(seconds: Double) {
        self.seconds = seconds
        self.instant = ContinuousClock.now.advanced(by: .milliseconds(Int64(min(max(seconds, 0), 31_536_000) * 1000)))  // clamp: a year at most
    }

    /// Milliseconds left for poll(2); 0 once passed.
    var remainingMilliseconds: Int32 {
        let left = ContinuousClock.now.duration(to: instant)
        if left <= .zero { return 0 }
        let (s, atto) = left.components
        return Int32(clamping: s * 1000 + atto / 1_000_000_000_000_000 + 1)
    }

    var hasPassed: Bool { ContinuousClock.now >= instant }
}

/// One resolved socket address, kept as raw `sockaddr` bytes.
public struct ResolvedAddress: Sendable, Hashable {
    let family: Int32
    let storage: [UInt8]
    /// Printable form (`127.0.0.1`, `::1`).
    public let text: String

    /// The same address with another port (sin_port / sin6_port sit at
    /// offset 2, in network byte order, for both families).
    func with(port: UInt16) -> ResolvedAddress {
        var bytes = storage
        guard bytes.count >= 4 else { return self }
        bytes[2] = UInt8(port >> 8)
        bytes[3] = UInt8(port & 0xFF)
        return ResolvedAddress(family: family, storage: bytes, text: text)
    }
}

/// IP literal detection via inet_pton.
enum IPLiteral {
    static func isIP(_ s: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }
}

/// Name resolution with getaddrinfo. It blocks: call it from a dedicated
/// thread, never from Swift's cooperative pool.
public enum HostResolver {
    public static func resolve(host: String, port: UInt16) -> Result<[ResolvedAddress], ResolveFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0 else {
            return .failure(ResolveFailure(reason: String(cString: gai_strerror(rc))))
        }
        defer { freeaddrinfo(list) }
        var out: [ResolvedAddress] = []
        var cursor = list
        while let entry = cursor {
            let info = entry.pointee
            if let addr = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6 {
                let bytes = [UInt8](UnsafeRawBufferPointer(start: addr, count: Int(info.ai_addrlen)))
                let item = ResolvedAddress(family: info.ai_family, storage: bytes, text: numericHost(addr, Int(info.ai_addrlen)))
                if !out.contains(item) { out.append(item) }
            }
            cursor = info.ai_next
        }
        if out.isEmpty { return .failure(ResolveFailure(reason: "no IPv4 or IPv6 address")) }
        return .success(out)
    }

    private static func numericHost(_ addr: UnsafeMutablePointer<sockaddr>, _ len: Int) -> String {
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(addr, socklen_t(len), &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return "?"
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A resolver failure (gai_strerror text).
public struct ResolveFailure: Error, Sendable, Hashable {
    public let reason: String
}

/// A non-blocking TCP socket whose every wait is bounded by a deadline.
/// Owns the descriptor and closes it in `deinit`.
final class ProbeSocket {
    let fd: Int32
    let address: ResolvedAddress

    init(fd: Int32, address: ResolvedAddress) {  // internal: the STARTTLS fuzzer wraps a socketpair
        self.fd = fd
        self.address = address
    }

    deinit { close(fd) }

    /// Ends the connection (the peer reads end of file) while the descriptor
    /// stays owned until `deinit`, so nothing can close it twice.
    func hangUp() { _ = shutdown(fd, Int32(SHUT_RDWR)) }

    enum ConnectFailure: Error {
        case refused(String)
        case timeout
        case other(String)
    }

    /// Connects to the first address that accepts, within `deadline`.
    static func connect(to addresses: [ResolvedAddress], deadline: Deadline) -> Result<ProbeSocket, ConnectFailure> {
        var lastFailure = ConnectFailure.other("no address")
        for address in addresses {
            if deadline.hasPassed { return .failure(.timeout) }
            switch connectOne(address, deadline: deadline) {
            case let .success(socket): return .success(socket)
            case let .failure(failure):
                if case .timeout = failure { return .failure(failure) }
                lastFailure = failure
            }
        }
        return .failure(lastFailure)
    }

    private static func connectOne(_ address: ResolvedAddress, deadline: Deadline) -> Result<ProbeSocket, ConnectFailure> {
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        let fd = socket(address.family, type, 0)
        guard fd >= 0 else { return .failure(.other("socket: \(errnoText())")) }
        #if !canImport(Glibc)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        #endif
        let socket = ProbeSocket(fd: fd, address: address)
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = address.storage.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -1 }
            return Glibc.connect(fd, base.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if rc == 0 { return .success(socket) }
        let err = errno
        guard err == EINPROGRESS || err == EINTR else { return .failure(classify(err)) }
        guard socket.wait(forWriting: true, deadline: deadline) else { return .failure(.timeout) }
        var soError: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
        if soError != 0 { return .failure(classify(soError)) }
        return .success(socket)
    }

    private static func classify(_ err: Int32) -> ConnectFailure {
        err == ECONNREFUSED ? .refused(String(cString: strerror(err))) : .other(String(cString: strerror(err)))
    }

    /// Waits until readable (or writable); false when the deadline passed.
    func wait(forWriting: Bool, deadline: Deadline) -> Bool {
        while true {
            var pfd = pollfd(fd: fd, events: Int16(forWriting ? POLLOUT : POLLIN), revents: 0)
            let timeout = deadline.remainingMilliseconds
            if timeout == 0 { return false }
            let rc = poll(&pfd, 1, timeout)
            if rc > 0 { return true }
            if rc == 0 { return false }
            if errno != EINTR { return true } // let the next call report the error
        }
    }

    enum IOFailure: Error {
        case timeout
        case closed
        case failed(String)
    }

    func send(_ bytes: [UInt8], deadline: Deadline) -> Result<Void, IOFailure> {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if n > 0 { offset += n; continue }
            let err = errno
            if err == EAGAIN || err == EWOULDBLOCK || err == EINTR {
                guard wait(forWriting: true, deadline: deadline) else { return .failure(.timeout) }
                continue
            }
            return .failure(.failed(String(cString: strerror(err))))
        }
        return .success(())
    }

    /// Reads what is available (at most `max` bytes), waiting until the deadline.
    func receive(max: Int = 4096, deadline: Deadline) -> Result<[UInt8], IOFailure> {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress, raw.count, 0) }
            if n > 0 { return .success(Array(buffer[0..<n])) }
            if n == 0 { return .failure(.closed) }
            let err = errno
            if err == EAGAIN || err == EWOULDBLOCK || err == EINTR {
                guard wait(forWriting: false, deadline: deadline) else { return .failure(.timeout) }
                continue
            }
            return .failure(.failed(String(cString: strerror(err))))
        }
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
