public import Foundation
public import CLMInventory
public import CLMDeploy

/// Records into the SQLite inventory through the command's connection,
/// waiting for each call: use it on the thread that deploys (never the cooperative pool).
public final class InventoryDeployRecorder: DeployRecording, Sendable {
    public let inventory: InventoryConnection
    let store: CertificateStore
    let log: @Sendable (String) -> Void
    let now: @Sendable () -> Date

    public init(inventory: InventoryConnection, store: CertificateStore, log: @escaping @Sendable (String) -> Void,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.inventory = inventory
        self.store = store
        self.log = log
        self.now = now
    }

    public func recordDeploy(_ row: DeployRunRow) {
        do { try inventory.runBlocking { try $0.deploys.recordDeployRun(row) } } catch { log("recording the deploy of \(row.certificateName) failed: \(error)") }
    }

    public func recordHook(_ row: HookRunRow) {
        do { try inventory.runBlocking { try $0.deploys.recordHookRun(row) } } catch { log("recording a hook run failed: \(error)") }
    }

    public func recordDeployed(_ job: Deployer.Job) {
        do { try inventory.runBlocking { try store.recordDeployed(job, inventory: $0, now: now()) } } catch {
            log("recording the deploy state of \(job.certificate.name) failed: \(error)")
        }
    }
}
