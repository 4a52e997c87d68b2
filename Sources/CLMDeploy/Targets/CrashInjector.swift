internal import Foundation

/// Test hook: `CLM_CRASH_AT=<step>` makes the process `_exit(97)` when it
/// reaches that step of a deploy (steps in docs/deploy.md), so tests can
/// prove a crash anywhere leaves a whole set and the next run repairs.
public struct CrashInjector: Sendable, Hashable {
    public let step: String?

    public init(step: String?) { self.step = step }

    public static func fromEnvironment(_ environment: [String: String]) -> CrashInjector {
        CrashInjector(step: environment["CLM_CRASH_AT"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// From this process's environment.
    public static func fromProcess() -> CrashInjector { fromEnvironment(ProcessInfo.processInfo.environment) }

    public static let disabled = CrashInjector(step: nil)

    /// Every step name, in the order a deploy reaches them.
    public static let steps = [
        "dir.v0-written", "dir.v0-current", "dir.link-converted",
        "dir.version-partial", "dir.version-written", "dir.current-tmp", "dir.flipped", "dir.links-done",
        "file.saved-previous", "file.temp-written", "file.renamed",
        "deploy.before-reload", "deploy.after-reload",
    ]

    func at(_ name: String) {
        if name == step { _exit(97) }
    }
}
