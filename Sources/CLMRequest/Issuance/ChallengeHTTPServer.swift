internal import Foundation

/// A tiny HTTP/1.x server for http-01: answers GETs from a responder
/// closure, one thread, non-blocking sockets and poll(2).
///
/// It serves only what the responder returns (404 for everything else),
/// reads at most 8 KiB of request head, and closes each connection after one
/// response.
public final class ChallengeHTTPServer: Sendable {
    /// A response: status, extra headers, body.
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// Returns the reply for a path, or nil for 404.
    public typealias Responder = @Sendable (_ path: String) -> Reply?

    public let address: String
    public let port: Int
    private let listener: Int32
    private let wakeWrite: Int32
    private let done: DispatchSemaphore

    /// Binds and starts serving at once; throws when the port cannot be bound.
    public init(address: String = "0.0.0.0", port: Int, responder: @escaping Responder) throws(SolverError) {
        self.address = address
        self.port = port
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .standalone(address: address, port: port, operation: "create socket for", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else {
            close(fd)
            throw .standalone(address: address, port: port, operation: "parse address", errno: EINVAL)
        }
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw .standalone(address: address, port: port, operation: "listen on", errno: code)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            let code = errno
            close(fd)
            throw .standalone(address: address, port: port, operation: "create wake pipe for", errno: code)
        }
        self.listener = fd
        self.wakeWrite = pipeFDs[1]
        let wakeRead = pipeFDs[0]
        let done = DispatchSemaphore(value: 0)
        self.done = done
        let thread = Thread {
            ServerLoop(listener: fd, wake: wakeRead, responder: responder).run()
            close(wakeRead)
            done.signal()
        }
        thread.name = "clm-http01-\(port)"
        thread.start()
    }

    /// Stops serving and closes the socket; waits for the thread to end.
    public func stop() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        done.wait()
        close(wakeWrite)
        close(listener)
    }
}

/// The poll loop; lives on the server's thread only.
private final class ServerLoop {
    let listener: Int32
    let wake: Int32
    let responder: ChallengeHTTPServer.Responder
    var clients: [Int32: (buffer: [UInt8], started: Date)] = [:]

    init(listener: Int32, wake: Int32, responder: @escaping ChallengeHTTPServer.Responder) {
        self.listener = listener
        self.wake = wake
        self.responder = responder
    }

    func run() {
        while true {
            var fds = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0), pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            fds += clients.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 1000)
            if ready < 0 && errno != EINTR { break }
            if fds[0].revents != 0 { break }
            if fds[1].revents & Int16(POLLIN) != 0 { acceptAll() }
            for entry in fds.dropFirst(2) where entry.revents != 0 { readFrom(entry.fd) }
            // Drop connections that have not sent a full request head in 10 s.
            for (fd, state) in clients where Date().timeIntervalSince(state.started) > 10 { drop(fd) }
        }
        for fd in clients.keys { close(fd) }
        clients.removeAll()
    }

    func acceptAll() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            clients[fd] = ([], Date())
        }
    }

    func drop(_ fd: Int32) {
        close(fd)
        clients[fd] = nil
    }

    func readFrom(_ fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 {
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
            drop(fd)
            return
        }
        clients[fd]?.buffer += chunk.prefix(n)
        guard let buffer = clients[fd]?.buffer else { return }
        let terminator: [UInt8] = [13, 10, 13, 10]
        let complete = buffer.count >= 4 && (0...(buffer.count - 4)).contains { Array(buffer[$0..<($0 + 4)]) == terminator }
        if !complete {
            if buffer.count > 8192 { respond(fd, status: "431 Request Header Fields Too Large", body: []) }
            return
        }
        let head = String(decoding: buffer, as: UTF8.self)
        let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET" || parts[0] == "HEAD" else {
            respond(fd, status: "405 Method Not Allowed", body: [])
            return
        }
        let path = String(parts[1].split(separator: "?", maxSplits: 1).first ?? "")
        if let reply = responder(path) {
            respond(fd, status: "\(reply.status) \(reply.status == 200 ? "OK" : "Status")", body: parts[0] == "HEAD" ? [] : reply.body,
                    length: reply.body.count, headers: reply.headers)
        } else {
            respond(fd, status: "404 Not Found", body: [])
        }
    }

    func respond(_ fd: Int32, status: String, body: [UInt8], length: Int? = nil, headers: [(name: String, value: String)] = []) {
        var head = "HTTP/1.1 \(status)\r\nContent-Length: \(length ?? body.count)\r\nConnection: close\r\n"
        if !headers.contains(where: { $0.name.lowercased() == "content-type" }) { head += "Content-Type: text/plain\r\n" }
        for header in headers { head += "\(header.name): \(header.value)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + body
        // Switch to blocking for the short write; the response is tiny.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {  // non-empty here, so baseAddress is non-nil
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + offset, raw.count - offset) }
            if n <= 0 { break }
            offset += n
        }
        drop(fd)
    }
}
