internal import Foundation
internal import CLMCore

extension Renewer {
    /// One `clm renew` / `clm deploy` run: ``run(_:)``, then (unless it only
    /// planned or was a dry run) each outcome kept for metrics and failures and
    /// recoveries announced once through `notify:`. `warn` gets what could not be recorded or sent.
    public func runAndRecord(_ options: Options, warn: @escaping @Sendable (String) -> Void) async throws(LifecycleError) -> Summary {
        let summary = try await run(options)
        if !options.dryRun && !options.planOnly { await recordAndNotify(summary, warn: warn) }
        return summary
    }

    /// Keeps renewal outcomes for metrics and announces failures/recoveries once.
    func recordAndNotify(_ summary: Summary, warn: @escaping @Sendable (String) -> Void) async {
        let acted = summary.outcomes.filter { $0.action != .none }
        guard !acted.isEmpty else { return }
        let time = now()
        for outcome in acted {
            do {
                try await inventory.run {
                    try $0.deploys.recordRenewalRun(name: outcome.name, action: outcome.action.rawValue, failed: outcome.failed, message: outcome.error, at: time)
                }
            } catch {
                warn("renewal outcome of \(outcome.name) not recorded: \(error)")
            }
        }
        guard let settings = config.notify else { return }
        let notifier = Notifier(settings: settings, policy: config.hookEnvironment, log: warn)
        let results = acted.map { Notifier.Result(name: $0.name, failed: $0.failed, message: $0.error) }
        for event in await notifier.process(results, inventory: inventory, now: time) {
            log("notified \(event.event.rawValue) of \(event.certificate)")
        }
    }
}

/// `clm renew --format json`: the plan, each item with its outcome.
public struct RenewReport: Encodable, Sendable {
    public struct Item: Encodable, Sendable {
        public let name: String
        public let action: String
        public let reason: String
        /// The expiry of the certificate the plan was made from (before this run).
        public let notAfter: String?
        public let failed: Bool?
        public let deployed: Bool?
        public let notes: [String]?
        public let error: String?
        public let issuedFingerprint: String?
        /// The expiry of the certificate this run issued, if it issued one.
        public let issuedNotAfter: String?
    }

    /// Which kind of dry run happened (`mode`: staging or plan).
    public struct DryRunNote: Encodable, Sendable {
        public let mode: String
        public let server: String?
        public let message: String
    }

    public let plan: [Item]
    public let seconds: Double
    public let dryRun: DryRunNote?

    public init(_ summary: Renewer.Summary, seconds: Double) {
        plan = summary.plan.map { item in
            let outcome = summary.outcomes.first { $0.name == item.name }
            return Item(name: item.name, action: item.action.rawValue, reason: item.reason,
                        notAfter: item.notAfter.map { ISO8601DateFormatter().string(from: $0) }, failed: outcome?.failed,
                        deployed: outcome?.deployed, notes: outcome.flatMap { $0.notes.isEmpty ? nil : $0.notes }, error: outcome?.error,
                        issuedFingerprint: outcome?.issuedFingerprint,
                        issuedNotAfter: outcome?.notAfter.map { ISO8601DateFormatter().string(from: $0) })
        }
        self.seconds = seconds
        switch summary.dryRun {
        case .staging(let url)?: dryRun = DryRunNote(mode: "staging", server: url, message: summary.dryRun?.description ?? "")
        case .planned?: dryRun = DryRunNote(mode: "plan", server: nil, message: summary.dryRun?.description ?? "")
        case nil: dryRun = nil
        }
    }
}
