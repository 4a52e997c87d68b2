import ArgumentParser
import CLMCore
import CLMCrypto
import CLMDeploy
import CLMLifecycle
import Foundation

/// `clm renew [--due 60d] [--dry-run] [--force] [NAME...]`
struct RenewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Renew managed certificates that are due, deploy them, verify, roll back on failure.",
        discussion: """
            Due: at most --due left; without --due, one third of the lifetime left (one half under 10 days). \
            Where the CA offers ARI (RFC 9773) its window wins. Names, key type or preferred chain changed in the \
            config also renew. One renew per state dir at a time (STATE_DIR/renew.lock): a second run says so and exits 1.
            Exit codes: 0 all ok, 1 any renewal or deploy failed (each named), 2 configuration error.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var configOptions: ConfigOptions

    @Argument(help: "Managed certificate names (default: all).")
    var names: [String] = []

    @Option(name: .long, help: ArgumentHelp("Renew with at most this much left (e.g. 30d).", valueName: "duration"))
    var due: String?

    @Flag(name: .customLong("dry-run"), help: """
        Never orders from the production CA. With acme.staging_server: order from it, deploy nothing, run no hooks. \
        Without: plan and preflight only.
        """)
    var dryRun = false

    @Flag(name: .customLong("plan-only"), help: "Print the plan only; do not contact the CA.")
    var planOnly = false

    @Flag(name: .long, help: "Renew even if not due.")
    var force = false

    @Option(name: .long, help: "Orders at a time (default: renew.concurrency from the config).")
    var concurrency: Int?

    @Option(name: .long, help: ArgumentHelp("Wait a random time up to this long first (spreads cron runs).", valueName: "duration"))
    var jitter: String?

    @Option(name: .long, help: "Output format.")
    var format: PlanFormat = .table

    func validate() throws {
        if let due, (try? DurationSpec(parsing: due)) == nil { throw ValidationError("--due: use e.g. 30d, 12h") }
        if let jitter, (try? DurationSpec(parsing: jitter)) == nil { throw ValidationError("--jitter: use e.g. 30m") }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        let config = try configOptions.load()
        var options = Renewer.Options()
        options.due = DuePolicy(dueSeconds: try due.map { try DurationSpec(parsing: $0).seconds } ?? config.renew.dueSeconds, force: force)
        options.dryRun = dryRun
        options.planOnly = planOnly
        options.concurrency = concurrency ?? config.renew.concurrency
        options.jitterSeconds = try jitter.map { try DurationSpec(parsing: $0).seconds } ?? config.renew.jitterSeconds
        options.names = names
        try await runRenewer(config: config, options: options, global: global, format: format)
    }
}

enum PlanFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

/// Shared by renew and deploy: runs, prints plan + outcomes, exits 1 on any failure.
func runRenewer(config: ClmConfig, options: Renewer.Options, global: GlobalOptions, format: PlanFormat) async throws {
    let state = try deployState(global, config: config)
    let quiet = global.quiet
    let log = global.log
    var renewer = Renewer(config: config, stateRoot: state.root, inventory: state.inventory, log: { log.info($0) })
    renewer.crash = CrashInjector.fromProcess()
    renewer.fleetKeyPath = ProcessInfo.processInfo.environment["CLM_FLEET_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? config.inventory?.fleetKey
    // A fleet key that cannot be used is a setup error now, not at the next renewal months away.
    if state.inventory.isShared, let path = renewer.fleetKeyPath {
        do { _ = try FleetKey.load(path: path) } catch { throw CommandFailure.usage(error.description) }
    }
    let started = Date()
    let summary: Renewer.Summary
    do { summary = try await renewer.runAndRecord(options, warn: { log.warning($0) }) } catch {
        if case .notConfigured = error { throw CommandFailure.usage(error.description) }
        throw CommandFailure.failed(error.description)
    }
    let elapsed = Date().timeIntervalSince(started)
    if format == .json {
        try JSONOutput.print(RenewReport(summary, seconds: elapsed))
    } else {
        if let dryRun = summary.dryRun { print(dryRun.description) }
        let due = summary.plan.filter { $0.action != .none }
        if options.planOnly || options.dryRun || !quiet {
            print("plan: \(due.count) of \(summary.plan.count) certificate(s) to act on (\(String(format: "%.3f", elapsed)) s)")
            for item in summary.plan where item.action != .none || summary.plan.count <= 50 {
                print("  \(item.name)  \(item.action.rawValue)  \(item.reason.displaySafe)")
            }
        }
        for outcome in summary.outcomes where outcome.action != .none {
            var parts: [String] = []
            if let fingerprint = outcome.issuedFingerprint {
                parts.append("issued \(fingerprint.prefix(16))…" + (outcome.notAfter.map { ", expires \(ISO8601DateFormatter().string(from: $0))" } ?? ""))
            }
            if outcome.deployed { parts.append("deployed") }
            parts += outcome.notes
            if let error = outcome.error { print("\(outcome.name): FAILED: \(String(describing: error).displaySafe)" + (parts.isEmpty ? "" : " [\(parts.joined(separator: "; ").displaySafe)]")) }
            else if !quiet { print("\(outcome.name): " + (parts.isEmpty ? "ok" : parts.joined(separator: "; "))) }
        }
    }
    let failures = summary.failures
    if !failures.isEmpty {
        throw CommandFailure.failed("\(failures.count) certificate(s) failed: \(failures.map(\.name).joined(separator: ", "))")
    }
}
