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

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = 0
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: sin.sin_port))
    }

    /// True when something accepts TCP connections on 127.0.0.1:port.
    public static func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(port).bigEndian)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
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
