public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// Runs command-line tools for tests (openssl, nginx, haproxy, python3).
public enum ToolRunner {
    /// Absolute path of `tool` on PATH, or a failure naming the apt package.
    public static func require(_ tool: String, aptPackage: String) throws -> String {
        try TestSupport.findTool(tool, aptPackage: aptPackage)
    }

    /// Runs a tool to completion; throws with its stderr when it fails.
    @discardableResult
    public static func run(_ tool: String, _ arguments: [String], aptPackage: String = "openssl",
                           in directory: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try require(tool, aptPackage: aptPackage))
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSupportError.commandFailed(command: ([tool] + arguments).joined(separator: " "),
                                                 status: process.terminationStatus,
                                                 stderr: String(decoding: errData, as: UTF8.self))
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// A fresh temporary directory (the caller removes it).
    public static func temporaryDirectory(_ prefix: String = "clm-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Repository root, found from this file's path.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// A child process that is terminated (by PID) when this object goes away.
public final class RunningProcess: @unchecked Sendable {
    // `process` is only used to signal and reap; Foundation's Process is thread-safe for that.
    public let process: Process
    public let port: UInt16
    public var pid: Int32 { process.processIdentifier }

    init(process: Process, port: UInt16) {
        self.process = process
        self.port = port
    }

    /// Starts `tool` and waits until a stdout line matching `readyLine`
    /// yields the listening port.
    public static func start(_ tool: String, aptPackage: String, arguments: [String],
                      readyTimeout: Double = 10, parsePort: @escaping @Sendable (String) -> UInt16?) throws -> RunningProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ToolRunner.require(tool, aptPackage: aptPackage))
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let fd = out.fileHandleForReading.fileDescriptor
        var text = ""
        let end = Date().addingTimeInterval(readyTimeout)
        while Date() < end {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            text += String(decoding: buffer[0..<n], as: UTF8.self)
            for line in text.split(separator: "\n") {
                if let port = parsePort(String(line)) {
                    // Keep draining stdout so the child never blocks on a full pipe.
                    out.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
                    return RunningProcess(process: process, port: port)
                }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestSupportError.commandFailed(command: ([tool] + arguments).joined(separator: " "), status: -1,
                                             stderr: "did not report a listening port; output: \(text)")
    }

    public func stop() {
        if process.isRunning {
            // SIGKILL: children spawned from dispatch threads may inherit a mask that blocks SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
