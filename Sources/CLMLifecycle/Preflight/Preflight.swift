public import CLMDeploy
internal import Foundation
internal import CLMCore

/// Checks that find a doomed renewal before the CA is asked for anything:
/// a certificate ordered and then not deployable still burns rate limits.
///
/// Shared by `clm renew` (before any order, also in a dry run), `clm config
/// check` and `clm hooks test`. Blocking (it runs check commands and talks
/// to sockets): call it from a thread of its own.
public struct Preflight: Sendable {
    /// One thing that would fail, named for the operator.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The managed certificate it belongs to; nil for global settings.
        public let certificate: String?
        public let message: String

        public var description: String { (certificate.map { $0 + ": " } ?? "") + message }
    }

    public let config: ClmConfig
    /// Run each target's check command (`nginx -t`) where the target was deployed before.
    public var runChecks = true
    /// Time limit for each check command and socket.
    public var timeout: Double
    /// Check the `notify:` command too (`clm config check`). `renew` does not: a broken
    /// notifier must not stop certificates from being renewed.
    public var checksNotify = true

    public init(config: ClmConfig, timeout: Double? = nil) {
        self.config = config
        self.timeout = timeout ?? min(config.renew.hookTimeoutSeconds, 30)
    }

    /// Every problem of the global settings and of `certificates`; empty when all is well.
    public func problems(_ certificates: [ManagedCertificate], global: Bool = true) -> [Problem] {
        var found: [Problem] = []
        if global { found += globalProblems() }
        var checked: [[String]: String?] = [:]
        for certificate in certificates { found += problems(of: certificate, checkResults: &checked) }
        return found
    }

    func globalProblems() -> [Problem] {
        var found: [Problem] = []
        if let caFile = config.acme?.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            found.append(Problem(certificate: nil, message: "acme.ca_file \(caFile) is not a readable file"))
        }
        for (phase, argv) in Self.phases(config.hooks) {
            if let why = Self.notRunnable(argv) { found.append(Problem(certificate: nil, message: "\(phase) hook \(why)")) }
        }
        if checksNotify, let command = config.notify?.command, let why = Self.notRunnable(command) {
            found.append(Problem(certificate: nil, message: "notify command \(why)"))
        }
        return found
    }

    /// The checks of one certificate; `checkResults` keeps a check shared by targets from running twice
    /// (its verdict, nil when it passed, applies to every target that shares it).
    func problems(of certificate: ManagedCertificate, checkResults: inout [[String]: String?]) -> [Problem] {
        var messages: [String] = []
        switch certificate.challenge {
        case .dnsHook(let hook, _):
            if let why = Self.notRunnable([hook]) { messages.append("dns-01 hook \(why)") }
        case .webroot(let path):
            if let why = Self.notWritable(path) { messages.append("webroot \(why)") }
        case .standalone: break
        }
        for (phase, argv) in Self.phases(certificate.hooks) {
            if let why = Self.notRunnable(argv) { messages.append("\(phase) hook \(why)") }
        }
        for target in certificate.targets {
            let directory: String
            switch target.kind {
            case .directory(let path): directory = path
            case .combinedFile(let path): directory = (path as NSString).deletingLastPathComponent
            }
            if let why = Self.notWritable(directory) { messages.append("\(target.description): target \(why)") }
            switch target.reload {
            case .none: break
            case .command(let check, let reload):
                if !check.isEmpty, let why = Self.notRunnable(check) { messages.append("\(target.description): check command \(why)") }
                if let why = Self.notRunnable(reload) { messages.append("\(target.description): reload command \(why)") }
                // Before the first deploy the server's config may name files that do not exist yet: its test would fail for that alone.
                let deployedBefore = FileManager.default.fileExists(atPath: target.path)
                // One run per distinct command and environment, as the deploy batches reloads.
                let key = check + target.environment.map { $0.key + "=" + $0.value }.sorted()
                if runChecks, !check.isEmpty, deployedBefore, Self.notRunnable(check) == nil {
                    let verdict = checkResults[key] ?? runCheck(check, target: target, certificate: certificate)
                    checkResults[key] = verdict
                    if let why = verdict { messages.append("\(target.description): \(why)") }
                }
            case .haproxyRuntimeAPI(let socket):
                if let why = Self.runtimeAPIProblem(socket, timeout: timeout) { messages.append("\(target.description): \(why)") }
            }
        }
        return messages.map { Problem(certificate: certificate.name, message: $0) }
    }

    func runCheck(_ argv: [String], target: DeployTarget, certificate: ManagedCertificate) -> String? {
        var environment = target.environment
        environment["CLM_PHASE"] = "preflight"
        environment["CLM_CERT_NAME"] = certificate.name
        do {
            let outcome = try HookRunner(policy: config.hookEnvironment).run(argv, environment: environment, timeout: timeout)
            if outcome.timedOut { return "config test \(argv.joined(separator: " ")) timed out after \(Int(timeout)) s" }
            if outcome.status != 0 { return DeployError.checkFailed(command: argv.joined(separator: " "), output: outcome.output).description }
            return nil
        } catch {
            return "config test cannot run: \(error)"
        }
    }

    static func phases(_ hooks: HookSet) -> [(String, Argv)] {
        hooks.pre.map { ("pre", $0) } + hooks.deploy.map { ("deploy", $0) } + hooks.post.map { ("post", $0) }
    }

    /// Why `argv` cannot be started, or nil.
    static func notRunnable(_ argv: Argv) -> String? {
        guard let executable = argv.first, !executable.isEmpty else { return "is empty" }
        let resolved = HookRunner.resolve(executable)
        var info = stat()
        guard stat(resolved, &info) == 0 else {
            return executable.contains("/") ? "\(executable) does not exist" : "\(executable) is not on PATH"
        }
        guard info.st_mode & S_IFMT == S_IFREG, access(resolved, X_OK) == 0 else { return "\(resolved) is not executable (chmod +x it)" }
        return nil
    }

    /// Why clm could not write into `directory` (or create it), or nil.
    ///
    /// Tries a real file in the nearest existing ancestor: permission bits
    /// do not show a read-only mount (systemd's ProtectSystem=, a ro bind).
    static func notWritable(_ directory: String) -> String? {
        var path = directory
        var info = stat()
        while stat(path, &info) != 0 {
            let parent = (path as NSString).deletingLastPathComponent
            if parent == path || parent.isEmpty { return "\(directory): no existing parent directory" }
            path = parent
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "\(directory): \(path) is not a directory" }
        let probe = path + "/.clm-preflight-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            let hint = code == EROFS ? " (read-only file system: under systemd, add it to ReadWritePaths=; see `clm config systemd`)" : ""
            return "\(path) is not writable: \(String(cString: strerror(code)))\(hint)"
        }
        close(fd)
        unlink(probe)
        return nil
    }

    /// Why HAProxy's runtime API on `socket` cannot be used, or nil (asks `show info`).
    public static func runtimeAPIProblem(_ socket: String, timeout: Double) -> String? {
        do {
            let answer = try HAProxyRuntimeAPI(socketPath: socket, timeout: min(timeout, 5)).send("show info\n")
            if answer.contains("Permission denied") { return "HAProxy runtime API on \(socket): permission denied (needs `level admin`)" }
            // Something listens there, but not HAProxy's CLI (a wrong path that happens to be another daemon's socket).
            guard answer.contains("Pid:") else {
                return "HAProxy runtime API on \(socket): `show info` got no HAProxy answer (is it the `stats socket` of haproxy.cfg?)"
            }
            return nil
        } catch {
            return error.description
        }
    }
}
