public import CLMInventory
public import Foundation

/// A small read-only HTTP server for `/metrics`, one connection at a time.
///
/// It blocks its calling thread (run it from a synchronous command, never on
/// the cooperative pool). Each request re-reads the inventory, so a scan or
/// renew running beside it is reflected on the next scrape.
public final class MetricsServer {
    public enum Failure: Error, CustomStringConvertible {
        case badAddress(String)
        case cannotListen(String, reason: String)

        public var description: String {
            switch self {
            case .badAddress(let text): return "invalid listen address '\(text)': use HOST:PORT, e.g. 127.0.0.1:9793"
            case .cannotListen(let address, let reason): return "cannot listen on \(address): \(reason)"
            }
        }
    }

    private let listener: Int32
    public let port: UInt16
    private let inventory: Inventory

    /// Binds `address` (`HOST:PORT`, IPv4 or `[v6]:port`).
    public init(address: String, inventory: Inventory) throws(Failure) {
        self.inventory = inventory
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw .badAddress(address)
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &info) == 0, let first = info else {
            throw .badAddress(address)
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cannotListen(address, reason: String(cString: strerror(errno))) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .cannotListen(address, reason: reason)
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let family = Int32(bound.ss_family)
        let boundPort: UInt16 = withUnsafePointer(to: &bound) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        self.listener = fd
        self.port = boundPort
    }

    deinit { close(listener) }

    /// Serves until the process is stopped.
    public func serveForever(now: () -> Date = Date.init) -> Never {
        while true { serveOne(now: now()) }
    }

    /// Accepts and answers one connection.
    public func serveOne(now: Date) {
        let client = accept(listener, nil, nil)
        guard client >= 0 else {
            // EMFILE and friends: back off instead of spinning.
            if errno != EINTR { usleep(100_000) }
            return
        }
        defer { close(client) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // One deadline for the whole request, so a trickling client cannot hold the server.
        let deadline = Date().addingTimeInterval(5)
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 16_384 {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            var descriptor = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(remaining * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return }
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            request.append(contentsOf: buffer[0..<count])
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let response: (status: String, type: String, body: String)
        if line.count >= 2, line[0] == "GET" || line[0] == "HEAD", line[1] == "/metrics" || line[1].hasPrefix("/metrics?") {
            do {
                response = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", try MetricsExporter(inventory: inventory).render(now: now))
            } catch {
                response = ("500 Internal Server Error", "text/plain", "inventory error: \(error)\n")
            }
        } else if line.count >= 2, line[0] != "GET" && line[0] != "HEAD" {
            response = ("405 Method Not Allowed", "text/plain", "read-only: GET /metrics\n")
        } else {
            response = ("404 Not Found", "text/plain", "clm serves /metrics only\n")
        }
        let body = line.first == "HEAD" ? "" : response.body
        let header = "HTTP/1.1 \(response.status)\r\nContent-Type: \(response.type)\r\nContent-Length: \(response.body.utf8.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array((header + body).utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }
            offset += sent
        }
    }
}
