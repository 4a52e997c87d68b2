internal import Foundation

extension SQLAuditStore {
    /// Records how many findings of each severity an audit produced.
    func recordRun(policy: String, counts: [String: Int], at time: Date) throws(InventoryError) {
        try write {
            try database.prepare("INSERT INTO audit_run (ran_at, policy, critical, high, medium, low, info) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .run([Int64(time.timeIntervalSince1970), policy, counts["critical"] ?? 0, counts["high"] ?? 0,
                      counts["medium"] ?? 0, counts["low"] ?? 0, counts["info"] ?? 0])
        }
    }
}
