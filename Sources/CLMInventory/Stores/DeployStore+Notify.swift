internal import Foundation

/// What was last announced about one managed certificate.
public struct NotificationState: Sendable, Hashable {
    public var subject: String
    public var failing: Bool
    public var since: Int64
    public var message: String?
    /// Channels (webhook, command) still owed the next announcement, when
    /// an earlier run delivered it to only some of them.
    public var pendingChannels: Set<String>?

    public init(subject: String, failing: Bool, since: Int64, message: String?, pendingChannels: Set<String>? = nil) {
        self.subject = subject
        self.failing = failing
        self.since = since
        self.message = message
        self.pendingChannels = pendingChannels
    }
}

extension SQLDeployStore {
    /// Records one renewal or deploy outcome (`result`: success or failed).
    func recordRenewalRun(name: String, action: String, failed: Bool, message: String?, at time: Date) throws(InventoryError) {
        try write {
            try database.prepare("INSERT INTO renewal_run (name, action, result, message, finished_at) VALUES (?, ?, ?, ?, ?)")
                .run([name, action, failed ? "failed" : "success", message, Int64(time.timeIntervalSince1970)])
        }
    }

    func notificationStates() throws(InventoryError) -> [String: NotificationState] {
        try read {
            var states: [String: NotificationState] = [:]
            try database.prepare("SELECT subject, failing, since, message, pending_channels FROM notification_state").query { row in
                let pending = row.text(4).map { Set($0.split(separator: ",").map(String.init)) }
                states[row.string(0)] = NotificationState(subject: row.string(0), failing: row.bool(1), since: row.int64(2),
                                                          message: row.text(3), pendingChannels: pending)
            }
            return states
        }
    }

    func saveNotificationState(_ state: NotificationState, at time: Date) throws(InventoryError) {
        try write {
            try database.prepare("""
                INSERT INTO notification_state (subject, failing, since, message, notified_at, pending_channels) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (subject) DO UPDATE SET failing = excluded.failing, since = excluded.since,
                    message = excluded.message, notified_at = excluded.notified_at, pending_channels = excluded.pending_channels
                """).run([state.subject, state.failing, state.since, state.message, Int64(time.timeIntervalSince1970),
                          state.pendingChannels.map { $0.sorted().joined(separator: ",") }])
        }
    }
}
