internal import Foundation
public import CLMInventory

/// Where deploys, rollbacks and hook runs are recorded. Called on the
/// deploy's own thread, in order.
public protocol DeployRecording: AnyObject {
    func recordDeploy(_ row: DeployRunRow)
    func recordHook(_ row: HookRunRow)
    /// `job` went live on all its targets.
    func recordDeployed(_ job: Deployer.Job)
}

/// Keeps records in memory (tests, dry runs).
public final class MemoryDeployRecorder: DeployRecording, @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var deploys: [DeployRunRow] = []
    private var hooks: [HookRunRow] = []

    public init() {}

    public func recordDeploy(_ row: DeployRunRow) { lock.withLock { deploys.append(row) } }
    public func recordHook(_ row: HookRunRow) { lock.withLock { hooks.append(row) } }
    public func recordDeployed(_ job: Deployer.Job) {}

    public var deployRuns: [DeployRunRow] { lock.withLock { deploys } }
    public var hookRuns: [HookRunRow] { lock.withLock { hooks } }
}
