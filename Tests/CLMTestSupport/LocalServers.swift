internal import Foundation

/// Helpers for tests that start real servers (pebble, stand-ins) on loopback.
extension TestSupport {
    /// A fresh temporary directory (mode 0700).
    public static func temporaryDirectory(_ label: String = "clm-test") throws -> String {
        let path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return path
    }

    /// The absolute path of a tool, or an error naming the Debian package that provides it.
    public static func requireTool(_ name: String, package: String) throws -> String {
        for directory in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"] {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw MissingTool(name: name, package: package)
    }

    public struct MissingTool: Error, CustomStringConvertible {
        public let name: String
        public let package: String
        public var description: String { "\(name) is not installed: apt-get install -y \(package)" }
    }

    /// A port on 127.0.0.1 free for both TCP and UDP a moment ago, chosen
    /// below the kernel's ephemeral range (32768+) so outgoing sockets of
    /// other processes (pebble's DNS client, say) cannot be holding it.
    /// Never the same port twice in one test process: tests run in parallel,
    /// and a port one test was given (and may stop and bind again) must not
    /// be handed to another in the moment before it is bound.
    public static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 10_000..<32_000)
            guard PortLedger.shared.claim(port) else { continue }
            if canBind(port: port, type: Int32(SOCK_STREAM.rawValue)) && canBind(port: port, type: Int32(SOCK_DGRAM.rawValue)) {
                return port
            }
        }
        throw POSIXError(.EADDRINUSE)
    }

    static func canBind(port: Int, type: Int32) -> Bool {
        onLoopback(port: port, type: type) { fd, address, length in bind(fd, address, length) }
    }

    /// `call` on a new socket of `type` with `address`:`port` (IPv4); true when it returned 0.
    static func onLoopback(_ address: String = "127.0.0.1", port: Int, type: Int32, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Bool {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(port).bigEndian)
        sin.sin_addr.s_addr = inet_addr(address)
        return withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    /// True when something accepts TCP connections on 127.0.0.1:port.
    public static func isListening(port: Int) -> Bool {
        onLoopback(port: port, type: Int32(SOCK_STREAM.rawValue)) { fd, address, length in connect(fd, address, length) }
    }

    /// Runs a program to completion (short commands only: openssl, curl).
    @discardableResult
    public static func runChecked(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CommandFailed(command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus, output: text)
        }
        return text
    }

    public struct CommandFailed: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public let output: String
        public var description: String { "\(command) exited \(status): \(output)" }
    }

    /// Writes a throw-away CA and a leaf for localhost / 127.0.0.1 / ::1 into `directory`:
    /// ca.pem, ca.key, cert.pem, key.pem.
    public static func makeLocalhostCertificate(in directory: String) throws {
        let openssl = try requireTool("openssl", package: "openssl")
        try runChecked(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                          "-subj", "/CN=clm test CA", "-keyout", "\(directory)/ca.key", "-out", "\(directory)/ca.pem"])
        try runChecked(openssl, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
                          "-keyout", "\(directory)/key.pem", "-out", "\(directory)/leaf.csr"])
        let extensions = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: "\(directory)/leaf.ext", atomically: true, encoding: .utf8)
        try runChecked(openssl, ["x509", "-req", "-in", "\(directory)/leaf.csr", "-CA", "\(directory)/ca.pem", "-CAkey", "\(directory)/ca.key",
                          "-CAcreateserial", "-days", "2", "-extfile", "\(directory)/leaf.ext", "-out", "\(directory)/cert.pem"])
    }
}

/// The ports `freePort()` has handed out in this process.
private final class PortLedger: @unchecked Sendable {
    static let shared = PortLedger()
    private let lock = NSLock()
    private var claimed: Set<Int> = []

    /// True the first time `port` is claimed, false ever after.
    func claim(_ port: Int) -> Bool {
        lock.withLock { claimed.insert(port).inserted }
    }
}
