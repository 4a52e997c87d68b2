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
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: deployer.deploy(jobs, recorder: recorder))
            }
            thread.name = "clm-deploy"
            thread.start()
        }
    }

    // MARK: the batch

    enum Receipt {
        case directory(DirectorySet, DeployTarget, previous: String?, installed: String, previousFingerprint: String?)
        case combined(CombinedPEMFile, DeployTarget, saved: String?, previousFingerprint: String?)

        var target: DeployTarget {
            switch self {
            case .directory(_, let target, _, _, _), .combined(_, let target, _, _): return target
            }
        }

        var previousFingerprint: String? {
            switch self {
            case .directory(_, _, _, _, let fingerprint), .combined(_, _, _, let fingerprint): return fingerprint
            }
        }

        var version: String? {
            switch self {
            case .directory(_, _, _, let installed, _): return installed
            case .combined(_, _, let saved, _): return saved
            }
        }
    }

    struct State {
        let job: Job
        var receipts: [Receipt] = []
        var error: DeployError?
        var rolledBack = false
        var notes: [String] = []
        let started: Int64
        var name: String { job.certificate.name }
        var ok: Bool { error == nil }
    }

    /// Deploys every job; blocking. Results come back in the order of `jobs`.
    public func deploy(_ jobs: [Job], recorder: (any DeployRecording)?) -> [Report] {
        let startedAt = Int64(now().timeIntervalSince1970)
        var states = jobs.map { State(job: $0, started: startedAt) }
        let hooks = HookExecutor(timeout: hookTimeout, policy: HookEnvironment(passEnv: globalHooks.passEnv), recorder: recorder, log: log, now: now)

        // Global pre hooks once; a failure stops the whole batch before anything is written.
        let names = jobs.map(\.certificate.name).joined(separator: " ")
        for argv in globalHooks.pre {
            if let error = hooks.run(argv, phase: "pre", name: nil, environment: ["CLM_CERT_NAMES": names, "CLM_PHASE": "pre"]) {
                for index in states.indices { states[index].error = error.error }
                break
            }
        }

        // Per certificate: pre hooks, then write every target.
        for index in states.indices where states[index].ok {
            let job = states[index].job
            for argv in job.certificate.hooks.pre {
                if let error = hooks.run(argv, phase: "pre", name: job.certificate.name, environment: environment(for: job, receipts: [], phase: "pre")) {
                    states[index].error = error.error
                    break
                }
            }
            guard states[index].ok else { continue }
            for target in job.certificate.targets {
                do {
                    states[index].receipts.append(try install(job, on: target))
                } catch {
                    states[index].error = error
                    log("\(job.certificate.name): writing \(target.description) failed: \(error)")
                    rollback(&states[index], recorder: recorder, hooks: hooks)
                    break
                }
            }
        }
        crash.at("deploy.before-reload")

        // Reloads, batched: one check + reload per distinct command.
        var reloaded: [String: (check: Argv, reload: Argv, environment: [String: String])] = [:]
        var groups: [String: (check: Argv, reload: Argv, environment: [String: String], members: [Int])] = [:]
        var order: [String] = []
        for index in states.indices where states[index].ok {
            for receipt in states[index].receipts {
                guard case .command(let check, let reload) = receipt.target.reload, let key = receipt.target.reloadGroupKey else { continue }
                if groups[key] == nil { groups[key] = (check, reload, receipt.target.environment, []); order.append(key) }
                if groups[key]?.members.last != index { groups[key]?.members.append(index) }
            }
        }
        for key in order {
            guard let group = groups[key] else { continue }
            let members = group.members.filter { states[$0].ok }
            guard !members.isEmpty else { continue }
            var failure: DeployError?
            var groupEnvironment = group.environment
            groupEnvironment["CLM_CERT_NAMES"] = members.map { states[$0].name }.joined(separator: " ")
            let single = members.count == 1 ? states[members[0]].name : nil
            if !group.check.isEmpty, let error = hooks.run(group.check, phase: "check", name: single, environment: groupEnvironment.merging(["CLM_PHASE": "check"]) { $1 }) {
                failure = .checkFailed(command: group.check.joined(separator: " "), output: error.output)
            } else if let error = hooks.run(group.reload, phase: "reload", name: single, environment: groupEnvironment.merging(["CLM_PHASE": "reload"]) { $1 }) {
                failure = .reloadFailed(command: group.reload.joined(separator: " "), output: error.output)
                reloaded[key] = (group.check, group.reload, group.environment)
            } else {
                reloaded[key] = (group.check, group.reload, group.environment)
            }
            if let failure {
                log("\(failure); rolling back \(members.map { states[$0].name }.joined(separator: ", "))")
                for member in members {
                    states[member].error = failure
                    rollback(&states[member], recorder: recorder, hooks: hooks)
                }
            }
        }

        // HAProxy runtime API: a hitless swap per target.
        for index in states.indices where states[index].ok {
            for receipt in states[index].receipts {
                guard case .haproxyRuntimeAPI(let socket) = receipt.target.reload else { continue }
                let started = Date()
                do {
                    try HAProxyRuntimeAPI(socketPath: socket).replaceCertificate(path: receipt.target.path, pem: states[index].job.material.combinedPEM)
                    hooks.recordInternal(["set ssl cert", receipt.target.path], phase: "runtime-api", name: states[index].name, status: 0,
                                         output: "committed via \(socket)", started: started)
                } catch {
                    hooks.recordInternal(["set ssl cert", receipt.target.path], phase: "runtime-api", name: states[index].name, status: 1,
                                         output: error.description, started: started)
                    states[index].error = error
                    rollback(&states[index], recorder: recorder, hooks: hooks)
                    break
                }
            }
        }
        crash.at("deploy.after-reload")

        // Deploy hooks (certificate's, then global), then verification.
        let verifier = EndpointVerifier(probe: probe, attempts: verifyAttempts)
        for index in states.indices where states[index].ok {
            let job = states[index].job
            let env = environment(for: job, receipts: states[index].receipts, phase: "deploy")
            for argv in job.certificate.hooks.deploy + globalHooks.deploy {
                if let error = hooks.run(argv, phase: "deploy", name: job.certificate.name, environment: env) {
                    states[index].error = error.error
                    break
                }
            }
            if states[index].ok {
                verifying: for receipt in states[index].receipts {
                    for endpoint in receipt.target.verifyEndpoints {
                        do {
                            try verifier.require(job.material.fingerprint, at: endpoint)
                            states[index].notes.append("\(endpoint) serves the new certificate")
                        } catch {
                            states[index].error = error
                            break verifying
                        }
                    }
                }
            }
            if !states[index].ok {
                log("\(job.certificate.name): \(states[index].error?.description ?? "failed"); rolling back")
                rollback(&states[index], recorder: recorder, hooks: hooks)
            }
        }

        // Reload again where a rolled-back set had already been reloaded.
        var again: Set<String> = []
        for state in states where state.rolledBack {
            for receipt in state.receipts {
                if let key = receipt.target.reloadGroupKey, reloaded[key] != nil { again.insert(key) }
            }
        }
        for key in order where again.contains(key) {
            guard let commands = reloaded[key] else { continue }
            if let error = hooks.run(commands.reload, phase: "reload", name: nil, environment: commands.environment.merging(["CLM_PHASE": "rollback"]) { $1 }) {
                log("reload after rollback failed: \(error); the previous files are in place but the server may still hold the new ones")
            }
        }
        for index in states.indices where states[index].rolledBack {
            for receipt in states[index].receipts {
                guard let previous = receipt.previousFingerprint else { continue }
                for endpoint in receipt.target.verifyEndpoints {
                    do {
                        try EndpointVerifier(probe: probe, attempts: max(1, verifyAttempts / 2)).require(previous, at: endpoint)
                        states[index].notes.append("\(endpoint) serves the previous certificate again")
                    } catch {
                        states[index].notes.append("after rollback, \(endpoint): \(error)")
                    }
                }
            }
        }

        // Post hooks always run; their failure is reported, not rolled back.
        for index in states.indices {
            let job = states[index].job
            var env = environment(for: job, receipts: states[index].receipts, phase: "post")
            env["CLM_DEPLOY_RESULT"] = states[index].ok ? "ok" : "failed"
            for argv in job.certificate.hooks.post {
                if let error = hooks.run(argv, phase: "post", name: job.certificate.name, environment: env) {
                    states[index].notes.append("post hook: \(error)")
                }
            }
        }
        let failed = states.filter { !$0.ok }.map(\.name).joined(separator: " ")
        for argv in globalHooks.post {
            _ = hooks.run(argv, phase: "post", name: nil, environment: ["CLM_CERT_NAMES": names, "CLM_FAILED_NAMES": failed, "CLM_PHASE": "post"])
        }

        // Record each target's outcome.
        let finished = Int64(now().timeIntervalSince1970)
        for state in states {
            for receipt in state.receipts {
                recorder?.recordDeploy(DeployRunRow(
                    certificateName: state.name, target: receipt.target.description, action: "deploy",
                    outcome: state.ok ? "ok" : (state.rolledBack ? "rolled-back" : "failed"),
                    previousFingerprint: receipt.previousFingerprint, newFingerprint: state.job.material.fingerprint,
                    version: receipt.version, message: state.error?.description, startedAt: state.started, finishedAt: finished))
            }
            if state.receipts.isEmpty, let error = state.error {
                recorder?.recordDeploy(DeployRunRow(certificateName: state.name, target: "-", action: "deploy", outcome: "failed",
                                                    previousFingerprint: nil, newFingerprint: state.job.material.fingerprint, version: nil,
                                                    message: error.description, startedAt: state.started, finishedAt: finished))
            }
            if state.ok {
                recorder?.recordDeployed(state.job)
            }
        }
        return states.map { state in
            Report(name: state.name, fingerprint: state.job.material.fingerprint,
                   previousFingerprint: state.receipts.first?.previousFingerprint, error: state.error, rolledBack: state.rolledBack,
                   notes: state.notes)
        }
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

    private func install(_ job: Job, on target: DeployTarget) throws(DeployError) -> Receipt {
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

    /// Puts the previous set back on every target written for this job.
    private func rollback(_ state: inout State, recorder: (any DeployRecording)?, hooks: HookExecutor) {
        state.rolledBack = true
        let started = Int64(now().timeIntervalSince1970)
        for receipt in state.receipts.reversed() {
            var outcome = "ok"
            var message: String?
            var version: String?
            do {
                switch receipt {
                case .directory(let set, _, let previous, _, _):
                    if let previous {
                        try set.activate(previous)
                        version = previous
                    } else {
                        outcome = "failed"
                        message = "first deploy: there is no previous set to restore; the new files stay"
                    }
                case .combined(let file, let target, let saved, _):
                    if let saved {
                        try file.restore(saved)
                        version = saved
                        if case .haproxyRuntimeAPI(let socket) = target.reload, let bytes = FileOps.readRegular(saved) {
                            try HAProxyRuntimeAPI(socketPath: socket).replaceCertificate(path: target.path, pem: bytes)
                        }
                    } else {
                        outcome = "failed"
                        message = "first deploy: there is no previous file to restore; the new file stays"
                    }
                }
            } catch {
                outcome = "failed"
                message = error.description
            }
            if let message { state.notes.append("rollback of \(receipt.target.description): \(message)") }
            else { state.notes.append("rolled back \(receipt.target.description)") }
            recorder?.recordDeploy(DeployRunRow(certificateName: state.name, target: receipt.target.description, action: "rollback",
                                                outcome: outcome, previousFingerprint: state.job.material.fingerprint,
                                                newFingerprint: receipt.previousFingerprint, version: version, message: message,
                                                startedAt: started, finishedAt: Int64(now().timeIntervalSince1970)))
        }
    }

    /// CLM_* variables for a certificate's hooks.
    func environment(for job: Job, receipts: [Receipt], phase: String) -> [String: String] {
        let certificate = job.certificate
        var env: [String: String] = [
            "CLM_CERT_NAME": certificate.name,
            "CLM_DOMAINS": certificate.domains.joined(separator: " "),
            "CLM_NEW_FINGERPRINT": job.material.fingerprint,
            "CLM_NOT_AFTER": ISO8601DateFormatter().string(from: job.material.certificate.notAfter),
            "CLM_PHASE": phase,
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
        if let previous = receipts.first?.previousFingerprint { env["CLM_PREVIOUS_FINGERPRINT"] = previous }
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
