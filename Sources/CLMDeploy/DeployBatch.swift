internal import Foundation
internal import CLMInventory
internal import CLMCore

extension Deployer {
    /// What writing one target left behind, for reloads, rollback and the record.
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

    /// One job's progress through the batch.
    struct State {
        let job: Job
        var receipts: [Receipt] = []
        var error: DeployError?
        var rolledBack = false
        var notes: [String] = []
        let started: Int64
        var name: String { job.certificate.name }
        var ok: Bool { error == nil }

        /// Puts the previous set back on every target written for this job.
        mutating func rollBack(recorder: (any DeployRecording)?, now: () -> Date) {
            rolledBack = true
            let started = Int64(now().timeIntervalSince1970)
            for receipt in receipts.reversed() {
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
                if let message { notes.append("rollback of \(receipt.target.description): \(message)") }
                else { notes.append("rolled back \(receipt.target.description)") }
                recorder?.recordDeploy(DeployRunRow(certificateName: name, target: receipt.target.description, action: "rollback",
                                                    outcome: outcome, previousFingerprint: job.material.fingerprint,
                                                    newFingerprint: receipt.previousFingerprint, version: version, message: message,
                                                    startedAt: started, finishedAt: Int64(now().timeIntervalSince1970)))
            }
        }
    }
}

/// One run of ``Deployer/deploy(_:recorder:)``: every job's state, and one
/// method per phase, called in order. A job that fails in a phase is rolled
/// back there and skipped by the later phases (post hooks and the record
/// still see it).
struct DeployBatch {
    typealias ReloadCommands = (check: Argv, reload: Argv, environment: [String: String])

    let deployer: Deployer
    let recorder: (any DeployRecording)?
    let hooks: HookExecutor
    var states: [Deployer.State]
    /// Reload groups in first-seen order, and those whose reload ran (to reload again after a rollback).
    var reloadOrder: [String] = []
    var reloaded: [String: ReloadCommands] = [:]

    init(deployer: Deployer, jobs: [Deployer.Job], recorder: (any DeployRecording)?) {
        self.deployer = deployer
        self.recorder = recorder
        let startedAt = Int64(deployer.now().timeIntervalSince1970)
        states = jobs.map { Deployer.State(job: $0, started: startedAt) }
        hooks = HookExecutor(timeout: deployer.hookTimeout, policy: HookEnvironment(passEnv: deployer.globalHooks.passEnv),
                             recorder: recorder, log: deployer.log, now: deployer.now)
    }

    var names: String { states.map(\.name).joined(separator: " ") }

    var reports: [Deployer.Report] {
        states.map { state in
            Deployer.Report(name: state.name, fingerprint: state.job.material.fingerprint,
                            previousFingerprint: state.receipts.first?.previousFingerprint, error: state.error, rolledBack: state.rolledBack,
                            notes: state.notes)
        }
    }

    private func log(_ message: String) { deployer.log(message) }

    private mutating func fail(_ index: Int, _ error: DeployError) {
        states[index].error = error
        rollBack(index)
    }

    private mutating func rollBack(_ index: Int) {
        let (recorder, now) = (self.recorder, deployer.now)
        states[index].rollBack(recorder: recorder, now: now)
    }

    /// Global pre hooks once; a failure stops the whole batch before anything is written.
    mutating func runGlobalPreHooks() {
        for argv in deployer.globalHooks.pre {
            if let error = hooks.run(argv, phase: "pre", name: nil, environment: ["CLM_CERT_NAMES": names, "CLM_PHASE": "pre"]) {
                for index in states.indices { states[index].error = error.error }
                return
            }
        }
    }

    /// Per certificate: pre hooks, then write every target.
    mutating func writeTargets() {
        for index in states.indices where states[index].ok {
            let job = states[index].job
            for argv in job.certificate.hooks.pre {
                if let error = hooks.run(argv, phase: "pre", name: job.certificate.name,
                                         environment: deployer.environment(for: job, receipts: [], phase: "pre")) {
                    states[index].error = error.error
                    break
                }
            }
            guard states[index].ok else { continue }
            for target in job.certificate.targets {
                do {
                    states[index].receipts.append(try deployer.install(job, on: target))
                } catch {
                    log("\(job.certificate.name): writing \(target.description) failed: \(error)")
                    fail(index, error)
                    break
                }
            }
        }
    }

    /// Reloads, batched: one check + reload per distinct command, for every
    /// job still ok that wrote a target of the group.
    mutating func reloadGroups() {
        var groups: [String: (commands: ReloadCommands, members: [Int])] = [:]
        for index in states.indices where states[index].ok {
            for receipt in states[index].receipts {
                guard case .command(let check, let reload) = receipt.target.reload, let key = receipt.target.reloadGroupKey else { continue }
                if groups[key] == nil { groups[key] = ((check, reload, receipt.target.environment), []); reloadOrder.append(key) }
                if groups[key]?.members.last != index { groups[key]?.members.append(index) }
            }
        }
        for key in reloadOrder {
            guard let group = groups[key] else { continue }
            let members = group.members.filter { states[$0].ok }
            guard !members.isEmpty else { continue }
            if let failure = reload(key, group.commands, for: members) {
                log("\(failure); rolling back \(members.map { states[$0].name }.joined(separator: ", "))")
                for member in members { fail(member, failure) }
            }
        }
    }

    /// Runs one group's check, then its reload; nil when both succeeded.
    private mutating func reload(_ key: String, _ commands: ReloadCommands, for members: [Int]) -> DeployError? {
        var environment = commands.environment
        environment["CLM_CERT_NAMES"] = members.map { states[$0].name }.joined(separator: " ")
        let single = members.count == 1 ? states[members[0]].name : nil
        if !commands.check.isEmpty,
           let error = hooks.run(commands.check, phase: "check", name: single, environment: environment.merging(["CLM_PHASE": "check"]) { $1 }) {
            return .checkFailed(command: commands.check.joined(separator: " "), output: error.output)
        }
        reloaded[key] = commands
        if let error = hooks.run(commands.reload, phase: "reload", name: single, environment: environment.merging(["CLM_PHASE": "reload"]) { $1 }) {
            return .reloadFailed(command: commands.reload.joined(separator: " "), output: error.output)
        }
        return nil
    }

    /// HAProxy runtime API: a hitless swap per target.
    mutating func swapThroughRuntimeAPI() {
        for index in states.indices where states[index].ok {
            for receipt in states[index].receipts {
                guard case .haproxyRuntimeAPI(let socket) = receipt.target.reload else { continue }
                let started = Date()
                let argv = ["set ssl cert", receipt.target.path]
                do {
                    try HAProxyRuntimeAPI(socketPath: socket).replaceCertificate(path: receipt.target.path, pem: states[index].job.material.combinedPEM)
                    hooks.recordInternal(argv, phase: "runtime-api", name: states[index].name, status: 0, output: "committed via \(socket)", started: started)
                } catch {
                    hooks.recordInternal(argv, phase: "runtime-api", name: states[index].name, status: 1, output: error.description, started: started)
                    fail(index, error)
                    break
                }
            }
        }
    }

    /// Deploy hooks (certificate's, then global), then verification of every endpoint.
    mutating func runDeployHooksAndVerify() {
        let verifier = EndpointVerifier(probe: deployer.probe, attempts: deployer.verifyAttempts)
        for index in states.indices where states[index].ok {
            let job = states[index].job
            let env = deployer.environment(for: job, receipts: states[index].receipts, phase: "deploy")
            for argv in job.certificate.hooks.deploy + deployer.globalHooks.deploy {
                if let error = hooks.run(argv, phase: "deploy", name: job.certificate.name, environment: env) {
                    states[index].error = error.error
                    break
                }
            }
            if states[index].ok { verify(index, with: verifier) }
            if !states[index].ok {
                log("\(job.certificate.name): \(states[index].error?.description ?? "failed"); rolling back")
                rollBack(index)
            }
        }
    }

    private mutating func verify(_ index: Int, with verifier: EndpointVerifier) {
        for receipt in states[index].receipts {
            for endpoint in receipt.target.verifyEndpoints {
                do {
                    try verifier.require(states[index].job.material.fingerprint, at: endpoint)
                    states[index].notes.append("\(endpoint) serves the new certificate")
                } catch {
                    states[index].error = error
                    return
                }
            }
        }
    }

    /// Reload again where a rolled-back set had already been reloaded.
    func reloadAfterRollback() {
        var again: Set<String> = []
        for state in states where state.rolledBack {
            for receipt in state.receipts {
                if let key = receipt.target.reloadGroupKey, reloaded[key] != nil { again.insert(key) }
            }
        }
        for key in reloadOrder where again.contains(key) {
            guard let commands = reloaded[key] else { continue }
            if let error = hooks.run(commands.reload, phase: "reload", name: nil, environment: commands.environment.merging(["CLM_PHASE": "rollback"]) { $1 }) {
                log("reload after rollback failed: \(error); the previous files are in place but the server may still hold the new ones")
            }
        }
    }

    /// After a rollback, each endpoint should serve the previous certificate again (noted, never fatal).
    mutating func verifyRolledBackEndpoints() {
        let verifier = EndpointVerifier(probe: deployer.probe, attempts: max(1, deployer.verifyAttempts / 2))
        for index in states.indices where states[index].rolledBack {
            for receipt in states[index].receipts {
                guard let previous = receipt.previousFingerprint else { continue }
                for endpoint in receipt.target.verifyEndpoints {
                    do {
                        try verifier.require(previous, at: endpoint)
                        states[index].notes.append("\(endpoint) serves the previous certificate again")
                    } catch {
                        states[index].notes.append("after rollback, \(endpoint): \(error)")
                    }
                }
            }
        }
    }

    /// Post hooks always run; their failure is reported, not rolled back.
    mutating func runPostHooks() {
        for index in states.indices {
            let job = states[index].job
            var env = deployer.environment(for: job, receipts: states[index].receipts, phase: "post")
            env["CLM_DEPLOY_RESULT"] = states[index].ok ? "ok" : "failed"
            for argv in job.certificate.hooks.post {
                if let error = hooks.run(argv, phase: "post", name: job.certificate.name, environment: env) {
                    states[index].notes.append("post hook: \(error)")
                }
            }
        }
        let failed = states.filter { !$0.ok }.map(\.name).joined(separator: " ")
        for argv in deployer.globalHooks.post {
            _ = hooks.run(argv, phase: "post", name: nil, environment: ["CLM_CERT_NAMES": names, "CLM_FAILED_NAMES": failed, "CLM_PHASE": "post"])
        }
    }

    /// Records each target's outcome, and the deployed certificate of every job that succeeded.
    func record() {
        guard let recorder else { return }
        let finished = Int64(deployer.now().timeIntervalSince1970)
        for state in states {
            for receipt in state.receipts {
                recorder.recordDeploy(DeployRunRow(
                    certificateName: state.name, target: receipt.target.description, action: "deploy",
                    outcome: state.ok ? "ok" : (state.rolledBack ? "rolled-back" : "failed"),
                    previousFingerprint: receipt.previousFingerprint, newFingerprint: state.job.material.fingerprint,
                    version: receipt.version, message: state.error?.description, startedAt: state.started, finishedAt: finished))
            }
            if state.receipts.isEmpty, let error = state.error {
                recorder.recordDeploy(DeployRunRow(certificateName: state.name, target: "-", action: "deploy", outcome: "failed",
                                                   previousFingerprint: nil, newFingerprint: state.job.material.fingerprint, version: nil,
                                                   message: error.description, startedAt: state.started, finishedAt: finished))
            }
            if state.ok { recorder.recordDeployed(state.job) }
        }
    }
}
