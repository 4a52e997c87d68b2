public import Foundation
internal import CShims

/// The one small HTTP/1.1 server clm runs: the http-01 standalone responder
/// and `clm serve --metrics` both go through it.
///
/// One thread runs a `poll(2)` loop over every open connection, so a client
/// that connects and stalls (or trickles one byte at a time) never delays
/// anyone else: each connection has its own deadline, and when the
/// connection cap is reached the oldest connection that has not finished its
/// request is dropped to make room. Only a complete request head reaches the
/// handler; one response per connection (`Connection: close`).
///
/// `@unchecked Sendable`: the connections and the handler are used only by
/// the one thread that serves; other threads only call ``stop()``, which
/// writes to the wake pipe and waits for a background loop to end.
public final class SmallHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        /// `GET`, `HEAD`, ... (empty when the request line is missing).
        public let method: String
        /// The request target as sent, query included (empty when missing).
        public let target: String
        /// The target without its query.
        public var path: String { String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "") }
        public var isRead: Bool { method == "GET" || method == "HEAD" }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// A text/plain response.
        public static func text(_ status: Int, _ body: String) -> Response {
            Response(status: status, headers: [("Content-Type", "text/plain")], body: Array(body.utf8))
        }
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case badAddress(String)
        /// `operation` failed on `address` with `errno`.
        case cannotListen(address: String, operation: String, errno: Int32)

        public var description: String {
            switch self {
            case .badAddress(let text): return "invalid listen address '\(text)': use HOST:PORT, e.g. 127.0.0.1:9793"
            case .cannotListen(let address, let operation, let code): return "cannot \(operation) \(address): \(String(cString: strerror(code)))"
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
        /// Largest request head accepted (431 beyond it).
        public var maxRequestBytes = 16_384

        public init() {}
    }

    public typealias Handler = (Request) -> Response

    public let port: UInt16
    private let listener: Int32
    private let wakeRead: Int32, wakeWrite: Int32
    private let limits: Limits
    private let handler: Handler
    private var connections: [Int32: Connection] = [:]
    private var background: DispatchSemaphore?
    private var closed = false

    /// Binds `HOST:PORT` (IPv4, or `[v6]:port`; port 0 picks a free one).
    public convenience init(address: String, limits: Limits = Limits(), handler: @escaping Handler) throws(Failure) {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw .badAddress(address)
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        try self.init(host: host, port: port, limits: limits, handler: handler)
    }

    /// Binds `host` (a numeric address; empty for any) and `port`.
    public init(host: String, port: UInt16, limits: Limits = Limits(), handler: @escaping Handler) throws(Failure) {
        let fd = try Self.openListener(host: host, port: port)
        var pipeFDs: [Int32] = [0, 0]
        guard clm_pipe_cloexec(&pipeFDs) == 0 else {
            let code = errno
            close(fd)
            throw .cannotListen(address: "\(host):\(port)", operation: "create wake pipe for", errno: code)
        }
        self.listener = fd
        self.port = Self.boundPort(fd)
        (self.wakeRead, self.wakeWrite) = (pipeFDs[0], pipeFDs[1])
        self.limits = limits
        self.handler = handler
    }

    deinit { closeSockets() }

    /// Closes the listener and every connection, once. The listener is shut
    /// down before it is closed: a child another thread is spawning (a hook,
    /// between fork and exec) holds a copy of every descriptor for a moment,
    /// and close() alone would leave the socket listening, and the port
    /// taken, until that child execs. shutdown() ends the listening state of
    /// the socket itself, whoever holds it.
    private func closeSockets() {
        guard !closed else { return }
        closed = true
        for fd in connections.keys { close(fd) }
        connections.removeAll()
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in [listener, wakeRead, wakeWrite] { close(fd) }
    }

    /// A listening, non-blocking, close-on-exec socket.
    private static func openListener(host: String, port: UInt16) throws(Failure) -> Int32 {
        let address = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &info) == 0, let first = info else {
            throw .badAddress(address)
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .cannotListen(address: address, operation: "create socket for", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw .cannotListen(address: address, operation: "listen on", errno: code)
        }
        return fd
    }

    private static func boundPort(_ fd: Int32) -> UInt16 {
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let family = Int32(bound.ss_family)
        return withUnsafePointer(to: &bound) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// Serves on the calling thread until the process is stopped.
    public func serveForever() -> Never {
        while true { _ = step(maxWait: 60) }
    }

    /// Serves on the calling thread until `keepGoing` returns false (checked
    /// at least every 200 ms) or ``stop()`` is called.
    public func serve(while keepGoing: () -> Bool) {
        while keepGoing() && step(maxWait: 0.2) {}
    }

    /// Serves on a thread of its own until ``stop()``.
    public func startInBackground(name: String) {
        let done = DispatchSemaphore(value: 0)
        background = done
        Blocking.startThread(name) { [self] in
            while step(maxWait: 60) {}
            done.signal()
        }
    }

    /// Ends the serving loop. A background loop is waited for and its
    /// sockets closed at once, so the port is free when this returns.
    public func stop() {
        guard !closed else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        guard let background else { return }
        background.wait()
        closeSockets()
    }

    /// Number of connections currently open (for tests and diagnostics).
    public var openConnections: Int { connections.count }

    /// One round of the loop: wait for any socket, then accept, read, answer
    /// and expire what is ready. False once ``stop()`` was called.
    func step(maxWait: TimeInterval) -> Bool {
        let start = Date()
        var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0), pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
        var wait = maxWait
        for (fd, connection) in connections {
            descriptors.append(pollfd(fd: fd, events: Int16(connection.isWriting ? POLLOUT : POLLIN), revents: 0))
            wait = min(wait, connection.deadline.timeIntervalSince(start))
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(max(0, wait) * 1000) + 1)
        if ready < 0 {
            if errno != EINTR { usleep(10_000) }
            return true
        }
        if descriptors[0].revents != 0 { return false }
        for descriptor in descriptors.dropFirst(2) where descriptor.revents != 0 {
            guard var connection = connections[descriptor.fd] else { continue }
            let open = connection.isWriting ? connection.flush() : receive(&connection)
            if open { connections[descriptor.fd] = connection } else { drop(descriptor.fd) }
        }
        let clock = Date()
        for (fd, connection) in connections where connection.deadline <= clock { drop(fd) }
        if descriptors[1].revents != 0 { acceptAll() }
        return true
    }

    private func acceptAll() {
        while true {
            // Close-on-exec atomically: a hook or tool spawned on another thread
            // between accept and fcntl would inherit the connection and keep the port busy.
            let client = clm_accept_cloexec_nonblock(listener)
            guard client >= 0 else {
                // EAGAIN: no more pending. EMFILE and friends: make room by dropping the oldest waiter.
                if errno == EMFILE || errno == ENFILE, let oldest = oldestReader() { drop(oldest) }
                return
            }
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

    /// Reads what is available; once the request head is complete (or the
    /// client stopped sending), builds the response and switches to
    /// writing. False when the connection ends.
    private func receive(_ connection: inout Connection) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        if count == 0 && connection.request.isEmpty { return false }
        let searchFrom = max(0, connection.request.count - 3)
        connection.request.append(contentsOf: buffer[0..<count])
        let response: Response
        if Self.containsHeadEnd(connection.request[searchFrom...]) || count == 0 {
            response = answer(connection.request)
        } else if connection.request.count >= limits.maxRequestBytes {
            response = .text(431, "request head too large\n")
        } else {
            return true
        }
        connection.response = Self.serialize(response)
        connection.deadline = Date().addingTimeInterval(limits.writeTimeout)
        return connection.flush()
    }

    /// Whether `bytes` (the new bytes plus the three before them) hold the blank line ending a request head.
    private static func containsHeadEnd(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 4 else { return false }
        return (bytes.startIndex...(bytes.endIndex - 4)).contains { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    /// The handler's response to a request head (no body for HEAD).
    private func answer(_ head: [UInt8]) -> Response {
        let line = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let request = Request(method: line.first.map(String.init) ?? "", target: line.count >= 2 ? String(line[1]) : "")
        var response = handler(request)
        if request.method == "HEAD" {
            response.headers.append(("Content-Length", String(response.body.count)))
            response.body = []
        }
        return response
    }

    private static func serialize(_ response: Response) -> [UInt8] {
        var head = "HTTP/1.1 \(response.status) \(reason(response.status))\r\n"
        if !response.headers.contains(where: { $0.name.lowercased() == "content-type" }) { head += "Content-Type: text/plain\r\n" }
        if !response.headers.contains(where: { $0.name.lowercased() == "content-length" }) { head += "Content-Length: \(response.body.count)\r\n" }
        for header in response.headers { head += "\(header.name): \(header.value)\r\n" }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + response.body
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        default: return "Status"
        }
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

    init(fd: Int32, opened: Date, deadline: Date) {
        self.fd = fd
        self.opened = opened
        self.deadline = deadline
    }

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
}
