internal import Foundation

/// HAProxy's runtime API over its stats socket (`stats socket ... level admin`):
/// `set ssl cert` + `commit ssl cert` swap a loaded certificate without a
/// reload, so no connection is dropped. One command per connection.
public struct HAProxyRuntimeAPI: Sendable {
    public let socketPath: String
    public let timeout: Double

    public init(socketPath: String, timeout: Double = 10) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Characters HAProxy's CLI would split or end a command on; a `crt` path with
    /// one cannot be named in `set ssl cert` (ConfigLoader rejects such paths).
    public static func unsafePathCharacter(in path: String) -> Character? {
        path.first { $0 == " " || $0 == "\t" || $0 == ";" || $0 == "\n" || $0 == "\r" || $0 == "\\" || $0 == "'" || $0 == "\"" }
    }

    /// Replaces the certificate HAProxy loaded from `path` with `pem` (key + certificate + chain).
    ///
    /// A transaction another client left open for a different certificate
    /// ("The ongoing transaction is about ...") is aborted and the set retried
    /// once; a commit that fails or times out is aborted, so the next run starts clean.
    public func replaceCertificate(path: String, pem: [UInt8]) throws(DeployError) {
        if let character = Self.unsafePathCharacter(in: path) {
            throw .runtimeAPI(socket: socketPath, why: "the certificate path \(path) contains \(character.debugDescription), which the runtime API cannot carry")
        }
        // The payload ends at the first empty line, so blank lines between PEM blocks
        // (a key file ending in "\n" followed by "\n" + certificate) must go.
        let lines = String(decoding: pem, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let payload = "set ssl cert \(path) <<\n" + lines.joined(separator: "\n") + "\n\n"
        var set = try send(payload)
        if let other = Self.otherTransaction(in: set, path: path) {
            _ = try? send("abort ssl cert \(other)\n")
            set = try send(payload)
        }
        guard Self.transactionPath(in: set) == path else {
            throw .runtimeAPI(socket: socketPath, why: "set ssl cert \(path) answered: \(set.trimmingCharacters(in: .whitespacesAndNewlines)) (is \(path) a crt HAProxy loaded?)")
        }
        let commit: String
        do { commit = try send("commit ssl cert \(path)\n") } catch {
            _ = try? send("abort ssl cert \(path)\n")
            throw error
        }
        guard commit.contains("Success") else {
            _ = try? send("abort ssl cert \(path)\n")
            throw .runtimeAPI(socket: socketPath, why: "commit ssl cert \(path) answered: \(commit.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// The path in "Transaction created|updated for certificate PATH!".
    static func transactionPath(in answer: String) -> String? {
        for line in answer.split(separator: "\n") where line.hasPrefix("Transaction created for certificate ") || line.hasPrefix("Transaction updated for certificate ") {
            let rest = line.drop(while: { $0 != "e" }).dropFirst()   // after "Transaction"
            guard let range = rest.range(of: "for certificate ") else { continue }
            var path = rest[range.upperBound...].trimmingCharacters(in: .whitespaces)
            if path.hasSuffix("!") { path.removeLast() }
            return path
        }
        return nil
    }

    /// A transaction another client left open for a different certificate:
    /// "The ongoing transaction is about 'A' but you are trying to set 'B'", or
    /// (HAProxy 2.6) "Transaction updated for certificate A!" when `path` was set,
    /// our payload having gone into that other transaction.
    static func otherTransaction(in answer: String, path: String) -> String? {
        var other: String?
        if let range = answer.range(of: "ongoing transaction is about '") {
            let rest = answer[range.upperBound...]
            if let end = rest.firstIndex(of: "'") { other = String(rest[..<end]) }
        } else if let open = transactionPath(in: answer), open != path {
            other = open
        }
        guard let other, !other.isEmpty, unsafePathCharacter(in: other) == nil else { return nil }
        return other
    }

    /// Sends one command and reads the answer until HAProxy closes the connection.
    /// The timeout covers connect (a full listen backlog), each write and each read.
    public func send(_ command: String) throws(DeployError) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .runtimeAPI(socket: socketPath, why: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .runtimeAPI(socket: socketPath, why: "path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        // Before connect: on Linux a blocking AF_UNIX connect waits SO_SNDTIMEO for a full backlog.
        let seconds = max(timeout, 0.001)
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var connected: Int32
        repeat {
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        } while connected != 0 && errno == EINTR
        guard connected == 0 else {
            let code = errno
            let why = code == EAGAIN || code == EWOULDBLOCK || code == EINPROGRESS
                ? "connect: HAProxy did not accept within \(seconds) s (is it overloaded or stopped?)"
                : "connect: \(String(cString: strerror(code))) (is `stats socket \(socketPath) level admin` in haproxy.cfg?)"
            throw .runtimeAPI(socket: socketPath, why: why)
        }
        let bytes = Array(command.utf8)
        var offset = 0
        while offset < bytes.count {  // non-empty here, so baseAddress is non-nil
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw .runtimeAPI(socket: socketPath, why: "write after \(offset) of \(bytes.count) bytes: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                let code = errno
                let partial = String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                let what = code == EAGAIN || code == EWOULDBLOCK ? "no complete answer within \(seconds) s" : "read: \(String(cString: strerror(code)))"
                throw .runtimeAPI(socket: socketPath, why: what + (partial.isEmpty ? " (nothing received)" : "; received so far: \(partial.suffix(300))"))
            }
            if count == 0 { break }
            answer.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
