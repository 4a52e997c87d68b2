internal import Foundation
public import CLMCore

/// dns-01 through an executable hook, called without a shell as
/// `HOOK present|cleanup DOMAIN RECORD_NAME VALUE`, with the same data in
/// `CLM_ACTION`, `CLM_DOMAIN`, `CLM_RECORD_NAME`, `CLM_RECORD_VALUE`,
/// `CLM_TOKEN` (plus `extraEnvironment`). Runs through CLMCore's
/// ``HookRunner`` under the same ``HookEnvironment`` policy as deploy hooks.
/// After all records are presented, waits `propagationDelay` once.
public struct DNSHookSolver: ChallengeSolver, PropagationWaiting {
    public let hook: String
    public let propagationDelay: Duration
    public let timeout: Duration
    public let extraEnvironment: [String: String]
    public let policy: HookEnvironment
    public var challengeType: String { "dns-01" }

    public init(hook: String, propagationDelay: Duration = .seconds(0), timeout: Duration = .seconds(60),
                extraEnvironment: [String: String] = [:], policy: HookEnvironment = HookEnvironment()) {
        self.hook = hook
        self.propagationDelay = propagationDelay
        self.timeout = timeout
        self.extraEnvironment = extraEnvironment
        self.policy = policy
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
        var environment = extraEnvironment
        environment["CLM_ACTION"] = action
        environment["CLM_DOMAIN"] = context.domain
        environment["CLM_RECORD_NAME"] = context.dnsRecordName
        environment["CLM_RECORD_VALUE"] = context.dnsRecordValue
        environment["CLM_TOKEN"] = context.token
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let outcome: HookRunner.Outcome
        do {
            outcome = try await HookRunner(policy: policy).runDetached([hook, action, context.domain, context.dnsRecordName, context.dnsRecordValue],
                                                                        environment: environment, timeout: seconds)
        } catch {
            throw SolverError.hookNotRunnable(hook: hook, reason: error.description)
        }
        if outcome.timedOut { throw SolverError.hookTimedOut(hook: hook, action: action, domain: context.domain, after: timeout) }
        if outcome.status != 0 {
            throw SolverError.hookFailed(hook: hook, action: action, domain: context.domain, status: outcome.status,
                                         output: outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
