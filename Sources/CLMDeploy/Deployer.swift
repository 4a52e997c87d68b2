public import Foundation
internal import CLMInventory
internal import CLMCore

/// Deploys certificate sets to their targets as one batch: write every
/// set, run each distinct check + reload once, run deploy hooks, verify
/// each endpoint; anything failing is rolled back (and reloaded again).
///
/// Everything here blocks (fsync, hooks, probes): call ``deploy(_:recorder:)``
/// from a dedicated thread, or use ``deployOnThread(_:inventoryPath:)``.
///
/// - Warning: writes private keys and reloads live servers.
public struct Deployer: Sendable {
    public struct Job: Sendable {
        public let certificate: ManagedCertificate
        public let material: CertificateMaterial

        public init(certificate: ManagedCertificate, material: CertificateMaterial) {
            self.certificate = certificate
            self.material = material
        }
    }

    public struct Report: Sendable {
        public let name: String
        public let fingerprint: String
        public let previousFingerprint: String?
        public let error: DeployError?
        public let rolledBack: Bool
        /// What happened, one line each, for the summary.
        public let notes: [String]
        public var succeeded: Bool { error == nil }
    }

    public let stateRoot: String
    public var globalHooks: HookSet
    public var hookTimeout: Double
    public var probe: any EndpointProbing
    public var crash: CrashInjector
    public var log: @Sendable (String) -> Void
    public var now: @Sendable () -> Date
    /// Probes per endpoint before verification gives up (0.25 s apart).
    public var verifyAttempts = 20

    public init(stateRoot: String, globalHooks: HookSet = HookSet(), hookTimeout: Double = 120,
                probe: any EndpointProbing = TLSEndpointProbe(), crash: CrashInjector = .disabled,
                log: @escaping @Sendable (String) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() }) {
        self.stateRoot = stateRoot
        self.globalHooks = globalHooks
        self.hookTimeout = hookTimeout
        self.probe = probe
        self.crash = crash
        self.log = log
        self.now = now
    }

    /// Runs ``deploy(_:recorder:)`` on a new thread, recording through `recorder`.
    public func deployOnThread(_ jobs: [Job], recorder: (any DeployRecording & Sendable)? = nil) async -> [Report] {
        let deployer = self
        return await Blocking.run("clm-deploy") { deployer.deploy(jobs, recorder: recorder) }
    }

    /// Deploys every job; blocking. Results come back in the order of `jobs`.
    public func deploy(_ jobs: [Job], recorder: (any DeployRecording)?) -> [Report] {
        var batch = DeployBatch(deployer: self, jobs: jobs, recorder: recorder)
        batch.runGlobalPreHooks()
        batch.writeTargets()
        crash.at("deploy.before-reload")
        batch.reloadGroups()
        batch.swapThroughRuntimeAPI()
        crash.at("deploy.after-reload")
        batch.runDeployHooksAndVerify()
        batch.reloadAfterRollback()
        batch.verifyRolledBackEndpoints()
        batch.runPostHooks()
        batch.record()
        return batch.reports
    }

    // MARK: steps

    func directorySet(_ target: DeployTarget) throws(DeployError) -> DirectorySet {
        DirectorySet(directory: target.path, keep: target.keep,
                     ownership: try FileOps.Ownership.resolve(owner: target.owner, group: target.group), crash: crash, log: log)
    }

    func combinedFile(_ target: DeployTarget) throws(DeployError) -> CombinedPEMFile {
        CombinedPEMFile(path: target.path, stateRoot: stateRoot, keep: target.keep,
                        ownership: try FileOps.Ownership.resolve(owner: target.owner, group: target.group), crash: crash)
    }

    func install(_ job: Job, on target: DeployTarget) throws(DeployError) -> Receipt {
        switch target.kind {
        case .directory:
            let set = try directorySet(target)
            let servedBefore = set.servedFingerprint()
            let (previous, installed) = try set.install(job.material)
            // The rollback target's certificate; what was served before only on a first deploy (never the new one).
            let previousFingerprint = previous.map { set.fingerprint(ofVersion: $0) } ?? (servedBefore == job.material.fingerprint ? nil : servedBefore)
            log("\(job.certificate.name): \(target.description) now at .clm/\(installed)" + (previous.map { " (previous \($0))" } ?? ""))
            return .directory(set, target, previous: previous, installed: installed, previousFingerprint: previousFingerprint)
        case .combinedFile:
            let file = try combinedFile(target)
            let servedBefore = file.servedFingerprint()
            let saved = try file.install(job.material.combinedPEM)
            let previousFingerprint = saved.map { file.fingerprint(ofSaved: $0) } ?? (servedBefore == job.material.fingerprint ? nil : servedBefore)
            log("\(job.certificate.name): \(target.description) written")
            return .combined(file, target, saved: saved, previousFingerprint: previousFingerprint)
        }
    }

    /// CLM_* variables for a certificate's hooks in one phase of a deploy.
    func environment(for job: Job, receipts: [Receipt], phase: String) -> [String: String] {
        var env = Self.hookVariables(for: job.certificate, stateRoot: stateRoot)
        env["CLM_NEW_FINGERPRINT"] = job.material.fingerprint
        env["CLM_NOT_AFTER"] = ISO8601DateFormatter().string(from: job.material.certificate.notAfter)
        env["CLM_PHASE"] = phase
        if let previous = receipts.first?.previousFingerprint { env["CLM_PREVIOUS_FINGERPRINT"] = previous }
        return env
    }

    /// The CLM_* variables every hook of `certificate` sees, whatever the
    /// phase: its name, domains and targets, and where its files are (the
    /// first directory target's, else the state dir's). The one builder:
    /// deploys add the phase and fingerprints; `clm hooks test` can add
    /// CLM_HOOK_TEST. ``HookEnvironment`` adds the certbot/lego aliases.
    public static func hookVariables(for certificate: ManagedCertificate, stateRoot: String) -> [String: String] {
        var env: [String: String] = [
            "CLM_CERT_NAME": certificate.name,
            "CLM_DOMAINS": certificate.domains.joined(separator: " "),
            "CLM_TARGETS": certificate.targets.map(\.path).joined(separator: " "),
        ]
        let stored = CertificateFiles(stateRoot: stateRoot, name: certificate.name)
        var base = (cert: stored.certificate, key: stored.key, fullchain: stored.fullchain, chain: stored.chain)
        if let directory = certificate.targets.first(where: { if case .directory = $0.kind { return true } else { return false } }) {
            let d = directory.path
            base = (d + "/cert.pem", d + "/privkey.pem", d + "/fullchain.pem", d + "/chain.pem")
        }
        env["CLM_CERT_PATH"] = base.cert
        env["CLM_KEY_PATH"] = base.key
        env["CLM_FULLCHAIN_PATH"] = base.fullchain
        env["CLM_CHAIN_PATH"] = base.chain
        if let combined = certificate.targets.first(where: { if case .combinedFile = $0.kind { return true } else { return false } }) {
            env["CLM_COMBINED_PATH"] = combined.path
        }
        return env
    }
}

/// Runs hooks through ``HookRunner``, logs their output and records each run.
struct HookExecutor {
    let timeout: Double
    let policy: HookEnvironment
    let recorder: (any DeployRecording)?
    let log: @Sendable (String) -> Void
    let now: @Sendable () -> Date

    struct Failure: Error {
        let error: DeployError
        let output: String
    }

    /// Runs one hook; nil when it succeeded.
    func run(_ argv: Argv, phase: String, name: String?, environment: [String: String]) -> HookError? {
        let command = argv.joined(separator: " ")
        let started = now()
        let outcome: HookRunner.Outcome
        do { outcome = try HookRunner(policy: policy).run(argv, environment: environment, timeout: timeout) } catch {
            record(argv, phase: phase, name: name, status: nil, timedOut: false, seconds: 0, output: error.description, started: started)
            log("\(name.map { $0 + ": " } ?? "")\(phase) hook: \(error)")
            return HookError(error: .hookNotRunnable(phase: phase, reason: error.description), output: error.description)
        }
        record(argv, phase: phase, name: name, status: outcome.status, timedOut: outcome.timedOut, seconds: outcome.seconds,
               output: outcome.output, started: started)
        let prefix = name.map { $0 + ": " } ?? ""
        log("\(prefix)\(phase) hook \(command) exited \(outcome.status) in \(String(format: "%.2f", outcome.seconds)) s")
        for line in outcome.output.split(separator: "\n").suffix(20) { log("\(prefix)  | \(line)") }
        if outcome.timedOut { return HookError(error: .hookTimedOut(phase: phase, command: command, seconds: timeout), output: outcome.output) }
        if outcome.status != 0 {
            return HookError(error: .hookFailed(phase: phase, command: command, status: outcome.status, output: outcome.output), output: outcome.output)
        }
        return nil
    }

    func recordInternal(_ argv: Argv, phase: String, name: String?, status: Int32, output: String, started: Date) {
        record(argv, phase: phase, name: name, status: status, timedOut: false, seconds: now().timeIntervalSince(started), output: output, started: started)
    }

    private func record(_ argv: Argv, phase: String, name: String?, status: Int32?, timedOut: Bool, seconds: Double, output: String, started: Date) {
        recorder?.recordHook(HookRunRow(certificateName: name, phase: phase, argv: argv, status: status, timedOut: timedOut,
                                        seconds: seconds, output: output, ranAt: Int64(started.timeIntervalSince1970)))
    }
}

/// A failed hook: the error for the report plus its output.
struct HookError: Error, CustomStringConvertible {
    let error: DeployError
    let output: String
    var description: String { error.description }
}
