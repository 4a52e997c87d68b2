internal import Foundation

/// dns-01 through an executable hook, called without a shell as
/// `HOOK present|cleanup DOMAIN RECORD_NAME VALUE`, with the same data in
/// `CLM_ACTION`, `CLM_DOMAIN`, `CLM_RECORD_NAME`, `CLM_RECORD_VALUE`,
/// `CLM_TOKEN` (plus the caller's environment and `extraEnvironment`).
/// After all records are presented, waits `propagationDelay` once.
public struct DNSHookSolver: ChallengeSolver, PropagationWaiting {
    public let hook: String
    public let propagationDelay: Duration
    public let timeout: Duration
    public let extraEnvironment: [String: String]
    public var challengeType: String { "dns-01" }

    public init(hook: String, propagationDelay: Duration = .seconds(0), timeout: Duration = .seconds(60),
                extraEnvironment: [String: String] = [:]) {
        self.hook = hook
        self.propagationDelay = propagationDelay
        self.timeout = timeout
        self.extraEnvironment = extraEnvironment
    }

    public func present(_ context: ChallengeContext) async throws { try await run("present", context) }
    public func cleanUp(_ context: ChallengeContext) async throws { try await run("cleanup", context) }

    public func waitForPropagation(_ contexts: [ChallengeContext]) async throws {
        if propagationDelay > .zero { try await Task.sleep(for: propagationDelay) }
    }

    func run(_ action: String, _ context: ChallengeContext) async throws {
        guard FileManager.default.isExecutableFile(atPath: hook) else {
            throw SolverError.hookNotRunnable(hook: hook, reason: "not an executable file")
        }
        var environment = ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 }
        environment["CLM_ACTION"] = action
        environment["CLM_DOMAIN"] = context.domain
        environment["CLM_RECORD_NAME"] = context.dnsRecordName
        environment["CLM_RECORD_VALUE"] = context.dnsRecordValue
        environment["CLM_TOKEN"] = context.token
        let result = try await HookRunner.run(executable: hook, arguments: [action, context.domain, context.dnsRecordName, context.dnsRecordValue],
                                              environment: environment, timeout: timeout)
        switch result {
        case .exited(0, _): return
        case .exited(let status, let output):
            throw SolverError.hookFailed(hook: hook, action: action, domain: context.domain, status: status, output: output)
        case .timedOut:
            throw SolverError.hookTimedOut(hook: hook, action: action, domain: context.domain, after: timeout)
        }
    }
}

/// Runs an executable without a shell and waits without blocking a thread.
enum HookRunner {
    enum Outcome: Sendable {
        case exited(Int32, output: String)
        case timedOut
    }

    static func run(executable: String, arguments: [String], environment: [String: String], timeout: Duration) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        // Output goes to a temp file, so a chatty hook can never block on a full pipe.
        let outputPath = NSTemporaryDirectory() + "clm-hook-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil, attributes: [.posixPermissions: 0o600])
        defer { unlink(outputPath) }
        guard let output = FileHandle(forWritingAtPath: outputPath) else {
            throw SolverError.hookNotRunnable(hook: executable, reason: "cannot create \(outputPath)")
        }
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let finished = ProcessFinished()
        process.terminationHandler = { finished.signal($0.terminationStatus) }
        do {
            try process.run()
        } catch {
            throw SolverError.hookNotRunnable(hook: executable, reason: "\(error)")
        }
        let pid = process.processIdentifier
        let status: Int32? = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await finished.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            kill(pid, SIGKILL)
            _ = await finished.wait()
            return .timedOut
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return .exited(status, output: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// A one-shot signal from Process's termination handler to async waiters.
final class ProcessFinished: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var status: Int32?
    private var waiters: [CheckedContinuation<Int32?, Never>] = []

    func signal(_ value: Int32) {
        lock.lock()
        status = value
        let pending = waiters
        waiters.removeAll()
        lock.unlock()
        for waiter in pending { waiter.resume(returning: value) }
    }

    func wait() async -> Int32? {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let status {
                lock.unlock()
                continuation.resume(returning: status)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}
