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

    /// Replaces the certificate HAProxy loaded from `path` with `pem` (key + certificate + chain).
    public func replaceCertificate(path: String, pem: [UInt8]) throws(DeployError) {
        // The payload ends at the first empty line, so blank lines between PEM blocks
        // (a key file ending in "\n" followed by "\n" + certificate) must go.
        let lines = String(decoding: pem, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let payload = "set ssl cert \(path) <<\n" + lines.joined(separator: "\n") + "\n\n"
        let set = try send(payload)
        guard set.contains("Transaction created") || set.contains("Transaction updated") else {
            throw .runtimeAPI(socket: socketPath, why: "set ssl cert \(path) answered: \(set.trimmingCharacters(in: .whitespacesAndNewlines)) (is \(path) a crt HAProxy loaded?)")
        }
        let commit = try send("commit ssl cert \(path)\n")
        guard commit.contains("Success") else {
            _ = try? send("abort ssl cert \(path)\n")
            throw .runtimeAPI(socket: socketPath, why: "commit ssl cert \(path) answered: \(commit.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// Sends one command and reads the answer until HAProxy closes the connection.
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
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw .runtimeAPI(socket: socketPath, why: "connect: \(String(cString: strerror(errno))) (is `stats socket \(socketPath) level admin` in haproxy.cfg?)")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(command.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .runtimeAPI(socket: socketPath, why: "write: \(String(cString: strerror(errno)))") }
            offset += written
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .runtimeAPI(socket: socketPath, why: "no answer within \(Int(timeout)) s") }
            if count == 0 { break }
            answer.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
