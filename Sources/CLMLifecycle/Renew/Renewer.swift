public import CLMDeploy
public import Foundation
internal import CLMRequest
internal import CLMCrypto
internal import CLMHTTP
public import CLMInventory
internal import CLMCore

/// `clm renew` and `clm deploy`: decide what is due, obtain certificates
/// concurrently, deploy them in one batch, record everything.
public struct Renewer: Sendable {
    public struct Options: Sendable {
        public var due: DuePolicy = DuePolicy()
        public var dryRun = false
        /// Print the plan only (no CA contact at all).
        public var planOnly = false
        /// Deploy the current certificates, issue nothing (`clm deploy`).
        public var deployOnly = false
        public var concurrency = 4
        public var jitterSeconds: Int64 = 0
        public var names: [String] = []

        public init() {}
    }

    public enum Action: String, Sendable { case renew, deploy, none }

    public struct PlanItem: Sendable {
        public let name: String
        public let action: Action
        public let reason: String
        public let notAfter: Date?
        /// Due only by the lifetime rule, which an ARI window replaces.
        var dueByLifetime = false
    }

    /// Whether the CA's ARI window can change this item: not due yet, or due
    /// only by the lifetime rule (a later ARI window makes it not due yet).
    static func consultsARI(_ item: PlanItem) -> Bool { item.action != .renew || item.dueByLifetime }

    public struct Outcome: Sendable {
        public let name: String
        public var action: Action
        public var issuedFingerprint: String?
        public var notAfter: Date?
        public var deployed = false
        public var error: String?
        public var notes: [String] = []
        public var failed: Bool { error != nil }
    }

    /// What a dry run did; a dry run never orders from the production CA.
    public enum DryRun: Sendable, Hashable, CustomStringConvertible {
        /// Ordered from `acme.staging_server` into STATE/dry-run; nothing deployed, no hooks run.
        case staging(url: String)
        /// No staging server: planned and preflighted, stopped before any order.
        case planned

        public var description: String {
            switch self {
            case .staging(let url): return "dry run: ordered from the staging server \(url); nothing deployed, no hooks run"
            case .planned: return "dry run: no acme.staging_server configured, so nothing was ordered; plan and preflight checks only"
            }
        }
    }

    public struct Summary: Sendable {
        public let plan: [PlanItem]
        public let outcomes: [Outcome]
        /// Set for `--dry-run`: which kind of dry run happened.
        public var dryRun: DryRun?
        public var failures: [Outcome] { outcomes.filter(\.failed) }

        public init(plan: [PlanItem], outcomes: [Outcome], dryRun: DryRun? = nil) {
            self.plan = plan
            self.outcomes = outcomes
            self.dryRun = dryRun
        }
    }

    public let config: ClmConfig
    public let stateRoot: String
    public let inventoryPath: String
    /// The run's one inventory connection: planning, ACME records, issuance and deploy records share it.
    public let inventory: InventoryConnection
    public var probe: any EndpointProbing = TLSEndpointProbe()
    public var crash: CrashInjector = .disabled
    public var log: @Sendable (String) -> Void
    public var now: @Sendable () -> Date
    /// The fleet key that seals and opens private keys in a shared inventory
    /// (`inventory: fleet_key:`, CLM_FLEET_KEY).
    public var fleetKeyPath: String?

    public init(config: ClmConfig, stateRoot: String, inventoryPath: String, log: @escaping @Sendable (String) -> Void = { _ in },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(config: config, stateRoot: stateRoot, inventory: .sqlite(inventoryPath), log: log, now: now)
    }

    public init(config: ClmConfig, stateRoot: String, inventory location: InventoryTarget, log: @escaping @Sendable (String) -> Void = { _ in },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.stateRoot = stateRoot
        self.inventoryPath = location.description
        self.inventory = InventoryConnection(location: location)
        self.log = log
        self.now = now
    }

    var store: RequestStore { RequestStore(root: stateRoot) }

    /// Runs everything: plan, issue, deploy. Throws only for problems
    /// before any certificate was touched (lock, config); per-certificate
    /// failures are in the summary. An unreachable CA fails each certificate
    /// due for renewal; the ones needing only a deploy are still deployed.
    public func run(_ options: Options) async throws(LifecycleError) -> Summary {
        let selected = try select(options.names)
        var lock: RenewLock?
        if !options.planOnly { lock = try RenewLock(stateRoot: stateRoot) }
        defer { withExtendedLifetime(lock) {} }
        var pass = await plan(selected, options: options)
        if options.planOnly { return Summary(plan: pass.plan, outcomes: []) }
        // Preflight before any order: a certificate that cannot be deployed must not cost a CA order.
        await preflight(&pass, options: options)
        // A dry run without a staging server stops here: it never orders from production.
        let staging = config.acme?.stagingServer
        if options.dryRun && staging == nil {
            pass.noteDryRun(issued: "would order (preflight passed)")
            return pass.summary(dryRun: .planned)
        }
        await jitter(pass, options: options)
        let context = try await connect(&pass, options: options)
        if let context { await consultARI(&pass, context: context, options: options) }
        // ARI may have made more certificates due: they get their preflight too.
        await preflight(&pass, options: options)
        await coordinateFleet(&pass, options: options)
        // Only what is left to order here needs an account (names taken from the fleet do not).
        // Without one: a setup error before anything happens, unless certificates were taken
        // from the fleet, which are still deployed while the others fail with the reason.
        if let context, !pass.renewing.isEmpty {
            do { try checkAccountConfigured(at: context.url) } catch {
                guard !pass.fromFleet.isEmpty else {
                    await releaseLeases(pass)
                    throw error
                }
                log(error.description)
                for index in pass.renewing { pass.outcomes[index].error = error.description }
            }
        }
        if let context { await issue(&pass, context: context, options: options) }
        await releaseLeases(pass)
        if options.dryRun {
            pass.noteDryRun(issued: "dry run: issued by \(context?.client.directoryURL ?? "?"), not deployed")
            return pass.summary(dryRun: .staging(url: staging ?? "?"))
        }
        await deploy(&pass)
        return pass.summary()
    }

    /// Runs ``Preflight`` (on a thread of its own) for the `indices` not checked yet; failures fail their outcome.
    func preflight(_ indices: [Int], _ selected: [ManagedCertificate], _ outcomes: inout [Outcome], checked: inout Set<Int>) async {
        let pending = indices.filter { !checked.contains($0) && !outcomes[$0].failed }
        guard !pending.isEmpty else { return }
        checked.formUnion(pending)
        let certificates = pending.map { selected[$0] }
        var settings = Preflight(config: config)
        settings.checksNotify = false
        let preflight = settings
        let problems = await Blocking.run("clm-preflight") { preflight.problems(certificates) }
        let global = problems.filter { $0.certificate == nil }.map(\.message)
        for index in pending {
            let own = global + problems.filter { $0.certificate == selected[index].name }.map(\.message)
            guard !own.isEmpty else { continue }
            outcomes[index].error = "preflight: " + own.joined(separator: "; ") + " (nothing was ordered)"
            log("\(selected[index].name): preflight failed: \(own.joined(separator: "; "))")
        }
    }

    /// "would deploy to nginx /etc/nginx/tls/www, haproxy ...": what a real run would do.
    static func wouldDeploy(_ certificate: ManagedCertificate) -> String {
        "would deploy to " + certificate.targets.map(\.description).joined(separator: ", ")
    }

    func select(_ names: [String]) throws(LifecycleError) -> [ManagedCertificate] {
        guard !names.isEmpty else { return config.certificates }
        return try names.map { (name) throws(LifecycleError) -> ManagedCertificate in
            guard let found = config.certificate(named: name) else {
                throw .notConfigured("no certificate named '\(name)' in \(config.files.first ?? "the config") (known: \(config.certificates.map(\.name).joined(separator: ", ")))")
            }
            return found
        }
    }

    /// Decides one certificate from its inventory row (or, without one, its stored file).
    func planItem(_ certificate: ManagedCertificate, row: ManagedCertificateRow?, options: Options, ariRenewAt: Date?,
                  inventoryProblem: String? = nil) -> PlanItem {
        var facts: (notBefore: Date, notAfter: Date, fingerprint: String, issuanceHash: String?)?
        if let row {
            facts = (Date(timeIntervalSince1970: TimeInterval(row.notBefore)), Date(timeIntervalSince1970: TimeInterval(row.notAfter)),
                     row.fingerprintSHA256, row.issuanceHash)
        } else if let current = store.currentCertificate(name: certificate.name) {
            facts = (current.notBefore, current.notAfter, current.sha256Hex, nil)
        }
        let changed = facts.map { $0.issuanceHash != nil && $0.issuanceHash != certificate.issuanceFingerprint } ?? false
        if options.deployOnly {
            guard facts != nil else { return PlanItem(name: certificate.name, action: .none, reason: "not issued yet", notAfter: nil) }
            return PlanItem(name: certificate.name, action: .deploy, reason: "deploy requested", notAfter: facts?.notAfter)
        }
        let reason = options.due.decide(issued: facts != nil, configChanged: changed, notBefore: facts?.notBefore ?? now(),
                                        notAfter: facts?.notAfter ?? now(), ariRenewAt: ariRenewAt, now: now())
        if reason.isDue {
            var item = PlanItem(name: certificate.name, action: .renew, reason: reason.description, notAfter: facts?.notAfter)
            if case .lifetimeFraction = reason { item.dueByLifetime = true }
            return item
        }
        if !certificate.targets.isEmpty, let row, row.deployedFingerprint != row.fingerprintSHA256 || row.deployHash != certificate.deployFingerprint {
            let why = row.deployedFingerprint != row.fingerprintSHA256 ? "the current certificate is not deployed yet" : "deploy targets or hooks changed"
            return PlanItem(name: certificate.name, action: .deploy, reason: why + "; " + reason.description, notAfter: facts?.notAfter)
        }
        if !certificate.targets.isEmpty, row == nil, facts != nil, let inventoryProblem {
            return PlanItem(name: certificate.name, action: .none, reason: inventoryProblem + "; not redeployed; " + reason.description, notAfter: facts?.notAfter)
        }
        if !certificate.targets.isEmpty, row == nil, facts != nil {
            return PlanItem(name: certificate.name, action: .deploy, reason: "not deployed by clm yet; " + reason.description, notAfter: facts?.notAfter)
        }
        return PlanItem(name: certificate.name, action: .none, reason: reason.description, notAfter: facts?.notAfter)
    }

    // MARK: ACME

    /// The CA a run talks to. The account is not part of it: reading ARI
    /// needs none, and a run that orders nothing (nothing due, or every due
    /// name taken from the fleet) must not register or check one.
    struct IssuanceContext: Sendable {
        let url: String
        let client: ACMEClient
        let store: RequestStore
        let recorder: (any ACMERecording)?
    }

    func connect(dryRun: Bool, concurrency: Int) async throws(LifecycleError) -> IssuanceContext {
        guard let acme = config.acme else { throw .notConfigured("the config has no `acme:` section") }
        // A dry run orders only from the staging server, never from production.
        let url: String
        if dryRun {
            guard let staging = acme.stagingServer else { throw .notConfigured("a dry run orders only from `acme.staging_server`, and none is set") }
            url = staging
        } else {
            url = acme.server
        }
        let client: ACMEClient
        do {
            let http = try HTTPClient(.init(caFile: acme.caFile, connections: min(max(concurrency, 1), 8)))
            client = try await ACMEClient.connect(directoryURL: url, http: http)
        } catch {
            throw .caUnavailable(url: url, why: "cannot reach it: \(error)")
        }
        // A dry run keeps its certificates apart so the real ones stay current.
        let issueStore = dryRun ? RequestStore(root: stateRoot + "/dry-run") : store
        var recorder: (any ACMERecording)?
        if !dryRun { recorder = try? await InventoryACMERecorder(connection: inventory, now: now) }
        return IssuanceContext(url: url, client: client, store: issueStore, recorder: recorder)
    }

    /// A config that cannot give an account (none stored, no `acme.email` or
    /// EAB to register one) is a setup error, found before any order or lease.
    func checkAccountConfigured(at url: String) throws(LifecycleError) {
        guard let acme = config.acme, acme.email.isEmpty, acme.eabKeyID == nil,
              (try? store.loadAccount(directoryURL: url)) == nil else { return }
        throw .notConfigured("no account for \(url) in \(store.root); run `clm account register --server \(url) --email ...` first "
                             + "(or set acme.email in the config so clm registers one)")
    }

    /// The account to order with: the stored one, checked at the CA (a
    /// forgotten account is registered again once, given a contact), or a
    /// new one when none is stored and the config gives a contact or EAB.
    func account(at context: IssuanceContext) async throws(LifecycleError) -> AccountCredentials {
        guard let acme = config.acme else { throw .notConfigured("the config has no `acme:` section") }
        let url = context.url
        let manager = AccountManager(client: context.client, state: store, recorder: context.recorder)
        var eab: ExternalAccountBinding?
        if let kid = acme.eabKeyID, let key = acme.eabHMACKey { eab = ExternalAccountBinding(keyID: kid, macKeyBase64: key) }
        let contact = acme.email.map { "mailto:" + $0 }
        let stored: Result<AccountCredentials, IssuanceError>
        do { stored = .success(try manager.load()) } catch { stored = .failure(error) }
        switch stored {
        case .success:
            do {
                let checked = try await manager.loadChecked(reregisterWith: contact, externalAccountBinding: eab, caFile: acme.caFile)
                if checked.reregistered { log("the ACME server \(url) no longer knew the stored account (accountDoesNotExist); registered a new one") }
                return checked.credentials
            } catch {
                throw .caUnavailable(url: url, why: error.description)
            }
        case .failure(let error):
            guard !acme.email.isEmpty || acme.eabKeyID != nil else {
                throw .notConfigured("\(error) (or set acme.email in the config so clm registers one)")
            }
            do {
                let credentials = try await manager.register(contact: contact, externalAccountBinding: eab, caFile: acme.caFile).credentials
                log("registered an ACME account at \(url)")
                return credentials
            } catch {
                throw .caUnavailable(url: url, why: "cannot register an ACME account: \(error)")
            }
        }
    }

    func issue(_ certificates: [ManagedCertificate], context: IssuanceContext, account: AccountCredentials,
               concurrency: Int) async -> [Result<IssuanceResult, IssuanceError>] {
        let batch = IssuanceBatch(client: context.client, account: account, recorder: context.recorder, store: context.store, current: store,
                                  solvers: ChallengeSolvers(hookTimeout: .seconds(config.renew.hookTimeoutSeconds), policy: config.hookEnvironment),
                                  log: log, now: now)
        return await batch.obtain(certificates.map(Order.init), concurrency: concurrency)
    }

    func recordIssued(_ certificate: ManagedCertificate, _ issued: IssuanceResult) async {
        let (store, log, time) = (CertificateStore(stateRoot: stateRoot), log, now())
        do {
            try await inventory.run { try store.recordStored(issued.certificate, name: certificate.name, managed: certificate, inventory: $0, now: time) }
        } catch {
            log("\(certificate.name): could not record the new certificate in \(inventoryPath): \(error)")
        }
    }
}
