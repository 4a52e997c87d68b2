internal import Foundation
internal import CShims

/// Runs a hook executable with an argv (never through a shell), extra
/// environment variables, a time limit, and its output captured for the log.
/// Every hook clm runs goes through here (deploy hooks, target checks and
/// reloads, notify commands, dns-01 hooks), so all share one environment
/// policy (``HookEnvironment``) and one way of being killed.
///
/// Output is read with poll(2) on one pipe shared by stdout and stderr, so a
/// chatty hook cannot fill a pipe and stall; past the deadline the hook's
/// whole process group is killed. The deadline holds after end-of-output too:
/// a hook that closes its output and keeps running (`exec >/dev/null 2>&1;
/// sleep 1000`) is waited for with WNOHANG and killed when time is up.
///
/// The pipe is created close-on-exec (pipe2 + O_CLOEXEC), so hooks spawned
/// at the same time from other threads never inherit its write end (which
/// would hold this hook's output open until they exit).
public struct HookRunner: Sendable {
    public struct Outcome: Sendable, Hashable {
        public let status: Int32
        public let output: String
        public let timedOut: Bool
        public let seconds: Double
        public var succeeded: Bool { status == 0 && !timedOut }
    }

    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case notExecutable(String)
        case spawnFailed(String, reason: String)

        public var description: String {
            switch self {
            case .notExecutable(let path): return "hook \(path) is missing or not executable (chmod +x it)"
            case .spawnFailed(let path, let reason): return "cannot start hook \(path): \(reason)"
            }
        }
    }

    /// Keeps at most this much output (the tail), so a runaway hook cannot exhaust memory.
    public var outputLimit = 64 * 1024
    /// What the hook inherits from clm's environment, and the aliases it gets.
    public var policy: HookEnvironment

    public init(policy: HookEnvironment = HookEnvironment()) {
        self.policy = policy
    }

    /// ``run(_:environment:timeout:)`` on a thread of its own, awaited: the
    /// wait is blocking (poll, waitpid) and must not hold a cooperative thread.
    public func runDetached(_ argv: [String], environment: [String: String], timeout: Double) async throws(Failure) -> Outcome {
        try await Blocking.run("clm-hook") { () throws(Failure) -> Outcome in try run(argv, environment: environment, timeout: timeout) }
    }

    /// Runs `argv[0]` with `argv[1...]`. `environment` (the CLM_* variables)
    /// is added to what ``policy`` lets through, with its aliases.
    public func run(_ argv: [String], environment: [String: String], timeout: Double) throws(Failure) -> Outcome {
        guard let executable = argv.first else { throw .notExecutable("(empty command)") }
        let resolved = Self.resolve(executable)
        guard access(resolved, X_OK) == 0 else { throw .notExecutable(executable) }

        var pipeFDs: [Int32] = [0, 0]
        guard clm_pipe_cloexec(&pipeFDs) == 0 else { throw .spawnFailed(executable, reason: String(cString: strerror(errno))) }
        let readEnd = pipeFDs[0]
        defer { close(readEnd) }
        let started = Date()
        let pid = try Self.spawn(argv, path: resolved, output: (read: readEnd, write: pipeFDs[1]),
                                 environment: policy.environment(environment).map { "\($0.key)=\($0.value)" }.sorted())
        let deadline = started.addingTimeInterval(timeout)
        var (output, timedOut) = Self.collectOutput(readEnd, until: deadline, limit: outputLimit)
        let waitStatus = Self.reap(pid, until: deadline, timedOut: &timedOut)
        return Outcome(status: Self.exitStatus(waitStatus), output: String(decoding: output, as: UTF8.self), timedOut: timedOut,
                       seconds: Date().timeIntervalSince(started))
    }

    /// Starts the hook in a process group of its own (so a timeout kills its
    /// children too), stdin from /dev/null, stdout and stderr into the pipe,
    /// default signal handling. Closes the pipe's write end here.
    static func spawn(_ argv: [String], path: String, output: (read: Int32, write: Int32), environment: [String]) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, output.write, 2)
        posix_spawn_file_actions_addclose(&actions, output.read)
        posix_spawn_file_actions_addclose(&actions, output.write)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var pid: pid_t = 0
        var status: Int32 = 0
        // ETXTBSY: the hook file was just written and another process forked while it was open for
        // writing (an installer, a deploy tool, a parallel test) still holds that descriptor for a
        // moment. Waiting a little is the known remedy; up to about a second.
        for attempt in 0..<50 {
            status = withCStrings(argv) { cArgv in
                withCStrings(environment) { cEnv in posix_spawn(&pid, path, &actions, &attributes, cArgv, cEnv) }
            }
            guard status == ETXTBSY, attempt < 49 else { break }
            usleep(20_000)
        }
        close(output.write)
        guard status == 0 else { throw .spawnFailed(argv[0], reason: String(cString: strerror(status))) }
        return pid
    }

    /// Reads the pipe until every writer closed it or the deadline passed;
    /// keeps the last `limit` bytes.
    static func collectOutput(_ readEnd: Int32, until deadline: Date, limit: Int) -> (output: [UInt8], timedOut: Bool) {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return (Array(output.suffix(limit)), true) }
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining * 1000, 1000)) + 1)
            if ready <= 0 { continue }  // EINTR or nothing yet: the deadline check above decides
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return (Array(output.suffix(limit)), false) }  // EOF: every writer closed
            output.append(contentsOf: buffer[0..<count])
            if output.count > limit * 2 { output.removeFirst(output.count - limit) }
        }
    }

    /// Waits for the hook, still bounded by the deadline (a hook may close
    /// its output and keep running); past it, or when `timedOut` already,
    /// kills the whole process group: TERM, up to 200 ms, then KILL.
    /// Returns the raw wait status.
    static func reap(_ pid: pid_t, until deadline: Date, timedOut: inout Bool) -> Int32 {
        var waitStatus: Int32 = 0
        var pause: UInt32 = 500
        while !timedOut {
            let result = waitpid(pid, &waitStatus, WNOHANG)
            if result == pid || (result < 0 && errno != EINTR) { return waitStatus }  // ECHILD: nothing left to wait for
            if deadline.timeIntervalSinceNow <= 0 { timedOut = true; break }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        kill(-pid, SIGTERM)
        var reaped = false
        for _ in 0..<20 {
            if waitpid(pid, &waitStatus, WNOHANG) == pid { reaped = true; break }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        if !reaped { while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {} }
        return waitStatus
    }

    /// The exit code, or 128 + the signal that ended the hook (as shells report it).
    static func exitStatus(_ waitStatus: Int32) -> Int32 {
        waitStatus & 0x7F == 0 ? (waitStatus >> 8) & 0xFF : 128 + (waitStatus & 0x7F)
    }

    /// The executable `argv[0]` names: itself when it has a slash, else the first match on PATH.
    public static func resolve(_ executable: String) -> String {
        if executable.contains("/") { return executable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") where access("\(directory)/\(executable)", X_OK) == 0 {
            return "\(directory)/\(executable)"
        }
        return executable
    }

    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }  // holds at least the nil terminator
    }
}
