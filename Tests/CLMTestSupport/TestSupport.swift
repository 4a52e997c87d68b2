public import Foundation

/// Why a helper could not do its job; the text names the fix.
public enum TestSupportError: Error, CustomStringConvertible {
    /// A tool the test needs is not installed.
    case toolMissing(tool: String, aptPackage: String)
    /// A command exited non-zero.
    case commandFailed(command: String, status: Int32, stderr: String)
    /// A command ran longer than its time limit and was killed.
    case timedOut(command: String, seconds: Double)

    public var description: String {
        switch self {
        case .toolMissing(let tool, let package):
            "\(tool) is not installed: run `apt-get install \(package)`"
        case .commandFailed(let command, let status, let stderr):
            "`\(command)` exited with status \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .timedOut(let command, let seconds):
            "`\(command)` did not finish within \(seconds) s and was killed"
        }
    }
}

/// What a finished command printed.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: [UInt8]
    public let stderr: [UInt8]

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// A fresh directory under the system temp dir, removed with everything in it
/// when the object goes away. Keep it alive for as long as the files are used.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "clm-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    /// The URL of `name` inside this directory (the file need not exist).
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `contents` to `name` inside this directory and returns its URL.
    @discardableResult
    public func write(_ name: String, _ contents: String) throws -> URL {
        let target = file(name)
        try Data(contents.utf8).write(to: target)
        return target
    }

    /// Creates empty files (and their parent directories) inside this directory.
    public func touch(_ names: String...) throws {
        for name in names {
            try FileManager.default.createDirectory(at: file(name).deletingLastPathComponent(), withIntermediateDirectories: true)
            try write(name, "")
        }
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Running real tools from tests without blocking Swift's cooperative pool.
public enum TestSupport {
    private static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// Absolute path of `tool`, or ``TestSupportError/toolMissing(tool:aptPackage:)``.
    public static func findTool(_ tool: String, aptPackage: String) throws -> String {
        if tool.hasPrefix("/") {
            if FileManager.default.isExecutableFile(atPath: tool) { return tool }
            throw TestSupportError.toolMissing(tool: tool, aptPackage: aptPackage)
        }
        let pathDirectories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in pathDirectories + searchPath {
            let candidate = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestSupportError.toolMissing(tool: tool, aptPackage: aptPackage)
    }

    /// Runs `tool` with `arguments` and returns its status and output, whatever the status.
    /// Output goes through files, so a chatty tool cannot fill a pipe and stall.
    /// A run past `timeout` seconds is killed and throws ``TestSupportError/timedOut(command:seconds:)``.
    public static func run(_ tool: String, _ arguments: [String], aptPackage: String, cwd: URL? = nil,
                           stdin: [UInt8]? = nil, environment: [String: String]? = nil,
                           timeout: Double = 120) async throws -> CommandResult {
        let executable = try findTool(tool, aptPackage: aptPackage)
        let scratch = try TemporaryDirectory(prefix: "clm-run")
        let outURL = scratch.file("stdout"), errURL = scratch.file("stderr"), inURL = scratch.file("stdin")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        try Data(stdin ?? []).write(to: inURL)
        let outHandle = try FileHandle(forWritingTo: outURL)
        defer { try? outHandle.close() }
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? errHandle.close() }
        let inHandle = try FileHandle(forReadingFrom: inURL)
        defer { try? inHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = cwd }
        if let environment { process.environment = environment }
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle

        let command = ([tool] + arguments).joined(separator: " ")
        let watchdog = Watchdog()
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                watchdog.finish()
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
                watchdog.arm(pid: process.processIdentifier, after: timeout)
            } catch {
                continuation.resume(throwing: error)
            }
        }
        if watchdog.fired { throw TestSupportError.timedOut(command: command, seconds: timeout) }
        return CommandResult(status: status, stdout: Array(try Data(contentsOf: outURL)), stderr: Array(try Data(contentsOf: errURL)))
    }

    /// Runs `openssl` and returns its standard output; a non-zero exit throws
    /// ``TestSupportError/commandFailed(command:status:stderr:)`` with OpenSSL's message.
    @discardableResult
    public static func openssl(_ arguments: [String], cwd: URL? = nil, stdin: [UInt8]? = nil) async throws -> String {
        let result = try await run("openssl", arguments, aptPackage: "openssl", cwd: cwd, stdin: stdin)
        guard result.status == 0 else {
            throw TestSupportError.commandFailed(command: (["openssl"] + arguments).joined(separator: " "),
                                                 status: result.status, stderr: result.stderrText)
        }
        return result.stdoutText
    }
}

/// Kills a child process that outlives its time limit. The lock guards the
/// two flags; the timer runs on a detached task, not on the caller's.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private var killed = false
    private var timer: Task<Void, Never>?

    var fired: Bool { lock.withLock { killed } }

    func finish() {
        lock.withLock {
            done = true
            timer?.cancel()
        }
    }

    func arm(pid: Int32, after seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        timer = Task.detached { [self] in
            try? await Task.sleep(for: .seconds(seconds))
            lock.withLock {
                guard !done else { return }
                killed = true
                kill(pid, SIGKILL)
            }
        }
    }
}
