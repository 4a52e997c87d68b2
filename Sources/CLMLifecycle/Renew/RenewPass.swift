internal import Foundation
internal import CLMCore
internal import CLMDeploy
internal import CLMInventory
internal import CLMRequest

/// One run's working state, handed from phase to phase: the selected
/// certificates and, by the same index, their plan items and outcomes.
struct RenewPass {
    let selected: [ManagedCertificate]
    var plan: [Renewer.PlanItem]
    var outcomes: [Renewer.Outcome]
    /// Indices already preflighted (each certificate is checked once).
    var preflighted = Set<Int>()
    let rows: [String: ManagedCertificateRow]
    /// Why the inventory could not be read, if it could not.
    let inventoryProblem: String?
    /// On a shared inventory: certificates taken from another host (index → that host) ...
    var fromFleet: [Int: String] = [:]
    /// ... and the renewal leases this host holds for what it orders.
    var leases: [Int: RenewalLeases.Lease] = [:]

    /// Indices planned for renewal that have not failed and are still to be ordered here.
    var renewing: [Int] { plan.indices.filter { plan[$0].action == .renew && !outcomes[$0].failed && fromFleet[$0] == nil } }

    func summary(dryRun: Renewer.DryRun? = nil) -> Renewer.Summary { Renewer.Summary(plan: plan, outcomes: outcomes, dryRun: dryRun) }

    /// What a dry run would have done for each certificate still acting.
    mutating func noteDryRun(issued note: String) {
        for index in outcomes.indices where outcomes[index].action != .none && !outcomes[index].failed {
            if outcomes[index].action == .renew { outcomes[index].notes.append(note) }
            if !selected[index].targets.isEmpty { outcomes[index].notes.append(Renewer.wouldDeploy(selected[index])) }
        }
    }
}

/// The phases of ``Renewer/run(_:)``, in order.
extension Renewer {
    /// Plans each certificate from its inventory row (or, without the inventory, its stored file).
    func plan(_ selected: [ManagedCertificate], options: Options) async -> RenewPass {
        let rows: [String: ManagedCertificateRow]
        var inventoryProblem: String?
        do { rows = try await inventory.run { try $0.deploys.managedCertificates() } } catch {
            // Without the inventory nothing says what is deployed: renew by the stored files' dates, redeploy nothing.
            rows = [:]
            inventoryProblem = "the inventory \(inventoryPath) cannot be read (\(error)); deploy state unknown"
            log(inventoryProblem ?? "")
        }
        let plan = selected.map { planItem($0, row: rows[$0.name], options: options, ariRenewAt: nil, inventoryProblem: inventoryProblem) }
        return RenewPass(selected: selected, plan: plan, outcomes: plan.map { Outcome(name: $0.name, action: $0.action) }, rows: rows,
                         inventoryProblem: inventoryProblem)
    }

    /// Preflights what is due and not checked yet. Deploy-only items are not
    /// held up by it (their deploy checks and rolls back itself), except in a dry run.
    func preflight(_ pass: inout RenewPass, options: Options) async {
        let plan = pass.plan
        let due = plan.indices.filter { plan[$0].action == .renew || (options.dryRun && plan[$0].action != .none) }
        await preflight(due, pass.selected, &pass.outcomes, checked: &pass.preflighted)
    }

    /// `--jitter`: waits a random time before contacting the CA, when anything is to be ordered.
    func jitter(_ pass: RenewPass, options: Options) async {
        guard options.jitterSeconds > 0 && !options.dryRun && pass.plan.contains(where: { $0.action == .renew }) else { return }
        let wait = Int64.random(in: 0...options.jitterSeconds)
        log("waiting \(wait) s (--jitter) before contacting the CA")
        try? await Task.sleep(for: .seconds(wait))
    }

    /// Connects to the CA when anything is due (or ARI may make it due). An
    /// unreachable CA fails each certificate due for renewal; a config problem throws.
    func connect(_ pass: inout RenewPass, options: Options) async throws(LifecycleError) -> IssuanceContext? {
        let renewing = pass.renewing
        guard !renewing.isEmpty || (!options.deployOnly && !options.dryRun) else { return nil }
        do {
            return try await connect(dryRun: options.dryRun, concurrency: options.concurrency)
        } catch {
            guard case .caUnavailable = error else {
                if renewing.isEmpty { return nil }
                throw error
            }
            log(error.description)
            for index in renewing { pass.outcomes[index].error = error.description }
            return nil
        }
    }

    /// ARI: where the CA offers renewalInfo, its window replaces the lifetime rule (earlier: due; later: not yet).
    func consultARI(_ pass: inout RenewPass, context: IssuanceContext, options: Options) async {
        guard context.client.directory.renewalInfo != nil, !options.deployOnly, !options.dryRun else { return }
        var generator = SystemRandomNumberGenerator()
        for index in pass.plan.indices where Self.consultsARI(pass.plan[index]) && !pass.outcomes[index].failed {
            guard let current = store.currentCertificate(name: pass.plan[index].name),
                  let schedule = try? await context.client.renewalSchedule(for: current, now: now(), using: &generator) else { continue }
            let certificate = pass.selected[index]
            pass.plan[index] = planItem(certificate, row: pass.rows[certificate.name], options: options, ariRenewAt: schedule.renewAt,
                                        inventoryProblem: pass.inventoryProblem)
            pass.outcomes[index].action = pass.plan[index].action
        }
    }

    /// Orders what is due, at most `concurrency` at a time, and records each new certificate (not in a dry run).
    func issue(_ pass: inout RenewPass, context: IssuanceContext, options: Options) async {
        let toIssue = pass.renewing
        guard !toIssue.isEmpty else { return }
        let extender = extendLeases(pass)
        let account: AccountCredentials
        do { account = try await self.account(at: context) } catch {
            extender?.cancel()
            log(error.description)
            for index in toIssue { pass.outcomes[index].error = error.description }
            return
        }
        let results = await issue(toIssue.map { pass.selected[$0] }, context: context, account: account, concurrency: options.concurrency)
        extender?.cancel()
        for (index, result) in zip(toIssue, results) {
            switch result {
            case .success(let issued):
                pass.outcomes[index].issuedFingerprint = issued.certificate.sha256Hex
                pass.outcomes[index].notAfter = issued.certificate.notAfter
                if !options.dryRun { await recordIssued(pass.selected[index], issued) }
                if let lease = pass.leases[index] {
                    do { try await publish(issued, name: pass.selected[index].name, lease: lease) } catch {
                        pass.outcomes[index].error = "not published to the fleet, so not deployed: \(error)"
                    }
                }
            case .failure(let error):
                pass.outcomes[index].error = error.description
            }
        }
    }

    /// Deploys what was issued, plus what is issued but not (or differently) deployed, in one batch.
    func deploy(_ pass: inout RenewPass) async {
        var jobs: [Deployer.Job] = []
        var jobIndices: [Int] = []
        let certificates = CertificateStore(stateRoot: stateRoot)
        for index in pass.outcomes.indices where !pass.outcomes[index].failed && pass.outcomes[index].action != .none {
            let certificate = pass.selected[index]
            guard !certificate.targets.isEmpty else { continue }
            do {
                jobs.append(Deployer.Job(certificate: certificate, material: try certificates.material(name: certificate.name)))
                jobIndices.append(index)
            } catch {
                pass.outcomes[index].error = error.description
            }
        }
        guard !jobs.isEmpty else { return }
        var deployer = Deployer(stateRoot: stateRoot, globalHooks: config.hooks, hookTimeout: config.renew.hookTimeoutSeconds, probe: probe,
                                crash: crash, log: log, now: now)
        deployer.verifyAttempts = 20
        let recorder = InventoryDeployRecorder(inventory: inventory, store: certificates, log: log, now: now)
        for (index, report) in zip(jobIndices, await deployer.deployOnThread(jobs, recorder: recorder)) {
            pass.outcomes[index].deployed = report.succeeded
            pass.outcomes[index].notes += report.notes
            if let error = report.error {
                pass.outcomes[index].error = error.description + (report.rolledBack ? " (rolled back to the previous certificate)" : "")
            }
        }
    }
}
