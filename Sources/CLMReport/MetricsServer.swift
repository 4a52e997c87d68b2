public import CLMInventory
public import Foundation

/// A small read-only HTTP server for `/metrics`.
///
/// One thread runs a `poll(2)` loop over every open connection, so a client
/// that connects and stalls (or trickles one byte at a time) never delays
/// anyone else: each connection has its own deadline, and when the
/// connection cap is reached the oldest connection that has not finished its
/// request is dropped to make room. Only a complete request reaches the
/// inventory; each scrape re-reads it, so a scan or renew running beside the
/// server shows on the next scrape.
///
/// It blocks its calling thread (run it from a synchronous command, never on
/// the cooperative pool).
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

    /// Limits that keep misbehaving clients from holding the server.
    public struct Limits: Sendable {
        /// Time from accept to a complete request line and headers.
        public var readTimeout: TimeInterval = 5
        /// Time to send the whole response.
        public var writeTimeout: TimeInterval = 10
        /// Open connections at once; beyond it the oldest unfinished request is dropped.
        public var maxConnections = 256
        /// Largest request head accepted.
        public var maxRequestBytes = 16_384

        public init() {}
    }

    private let listener: Int32
    public let port: UInt16
    private let inventory: Inventory
    private let version: String
    private let limits: Limits
    private var connections: [Int32: Connection] = [:]

    /// Binds `address` (`HOST:PORT`, IPv4 or `[v6]:port`).
    public init(address: String, inventory: Inventory, version: String = "unknown", limits: Limits = Limits()) throws(Failure) {
        self.inventory = inventory
        self.version = version
        self.limits = limits
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
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .cannotListen(address, reason: String(cString: strerror(errno))) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, listen(fd, 128) == 0 else {
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

    deinit {
        for fd in connections.keys { close(fd) }
        close(listener)
    }

    /// Serves until the process is stopped.
    public func serveForever(now: () -> Date = Date.init) -> Never {
        while true { step(now: now) }
    }

    /// Serves until `keepGoing` returns false (checked at least every 200 ms).
    public func serve(now: () -> Date = Date.init, while keepGoing: () -> Bool) {
        while keepGoing() { step(now: now, maxWait: 0.2) }
    }

    /// Number of connections currently open (for tests and diagnostics).
    public var openConnections: Int { connections.count }

    /// One round of the loop: wait for any socket, then accept, read, answer
    /// and expire what is ready.
    func step(now: () -> Date, maxWait: TimeInterval = 60) {
        let start = Date()
        var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
        var wait = maxWait
        for (fd, connection) in connections {
            descriptors.append(pollfd(fd: fd, events: Int16(connection.isWriting ? POLLOUT : POLLIN), revents: 0))
            wait = min(wait, connection.deadline.timeIntervalSince(start))
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(max(0, wait) * 1000) + 1)
        if ready < 0 {
            if errno != EINTR { usleep(10_000) }
            return
        }
        for descriptor in descriptors.dropFirst() where descriptor.revents != 0 {
            guard var connection = connections[descriptor.fd] else { continue }
            let open = connection.isWriting ? connection.flush() : receive(&connection, now: now)
            if open { connections[descriptor.fd] = connection } else { drop(descriptor.fd) }
        }
        let clock = Date()
        for (fd, connection) in connections where connection.deadline <= clock { drop(fd) }
        if descriptors[0].revents != 0 { acceptAll() }
    }

    private func acceptAll() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                // EAGAIN: no more pending. EMFILE and friends: make room by dropping the oldest waiter.
                if errno == EMFILE || errno == ENFILE, let oldest = oldestReader() { drop(oldest) }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            if connections.count >= limits.maxConnections, let oldest = oldestReader() { drop(oldest) }
            if connections.count >= limits.maxConnections {
                close(client)
                continue
            }
            connections[client] = Connection(fd: client, opened: Date(), deadline: Date().addingTimeInterval(limits.readTimeout))
        }
    }

    private func oldestReader() -> Int32? {
        connections.values.filter { !$0.isWriting }.min { $0.opened < $1.opened }?.fd
    }

    private func drop(_ fd: Int32) {
        connections[fd] = nil
        close(fd)
    }

    /// Reads what is available; once the request head is complete, builds
    /// the response and switches to writing. False when the connection ends.
    private func receive(_ connection: inout Connection, now: () -> Date) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        if count == 0 && connection.request.isEmpty { return false }
        let searchFrom = max(0, connection.request.count - 3)
        connection.request.append(contentsOf: buffer[0..<count])
        let complete = Self.containsHeadEnd(connection.request[searchFrom...])
        guard complete || count == 0 || connection.request.count >= limits.maxRequestBytes else { return true }
        connection.response = Array(respond(to: connection.request, now: now()).utf8)
        connection.deadline = Date().addingTimeInterval(limits.writeTimeout)
        return connection.flush()
    }

    /// Whether `bytes` (the new bytes plus the three before them) hold the blank line ending a request head.
    private static func containsHeadEnd(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 4 else { return false }
        return (bytes.startIndex...(bytes.endIndex - 4)).contains { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    /// The whole HTTP response for a request head.
    private func respond(to request: [UInt8], now: Date) -> String {
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let response: (status: String, type: String, body: String)
        if line.count >= 2, line[0] == "GET" || line[0] == "HEAD", line[1] == "/metrics" || line[1].hasPrefix("/metrics?") {
            do {
                response = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", try MetricsExporter(inventory: inventory, version: version).render(now: now))
            } catch {
                response = ("500 Internal Server Error", "text/plain", "inventory error: \(error)\n")
            }
        } else if line.count >= 2, line[0] != "GET" && line[0] != "HEAD" {
            response = ("405 Method Not Allowed", "text/plain", "read-only: GET /metrics\n")
        } else if line.count < 2 {
            response = ("400 Bad Request", "text/plain", "clm serves GET /metrics\n")
        } else {
            response = ("404 Not Found", "text/plain", "clm serves /metrics only\n")
        }
        let body = line.first == "HEAD" ? "" : response.body
        return "HTTP/1.1 \(response.status)\r\nContent-Type: \(response.type)\r\nContent-Length: \(response.body.utf8.count)\r\nConnection: close\r\n\r\n" + body
    }
}

/// One client connection: the request bytes so far, then the response left to send.
private struct Connection {
    let fd: Int32
    let opened: Date
    var deadline: Date
    var request: [UInt8] = []
    var response: [UInt8]?
    var sent = 0

    var isWriting: Bool { response != nil }

    /// Sends what the socket takes now. False when done or failed.
    mutating func flush() -> Bool {
        guard let response else { return true }
        while sent < response.count {
            let count = response[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            if count == 0 { return false }
            sent += count
        }
        return false
    }

    init(fd: Int32, opened: Date, deadline: Date) {
        self.fd = fd
        self.opened = opened
        self.deadline = deadline
    }
}
