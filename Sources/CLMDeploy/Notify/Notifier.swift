internal import CLMHTTP
public import CLMInventory
public import Foundation

/// Announces renewal and deploy failures once, and recoveries once.
///
/// The inventory remembers, per managed certificate, whether the last
/// announcement was a failure. A run that fails again stays quiet; a run
/// that succeeds after a failure sends a recovery. State changes only after
/// the announcement went out, so a webhook that is down is retried next run.
public struct Notifier: Sendable {
    /// One certificate's result in this run.
    public struct Result: Sendable, Hashable {
        public let name: String
        public let failed: Bool
        public let message: String?

        public init(name: String, failed: Bool, message: String?) {
            self.name = name
            self.failed = failed
            self.message = message
        }
    }

    /// What to announce.
    public struct Event: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable { case failure, recovery }
        public let event: Kind
        public let certificate: String
        public let message: String?
        public let since: Date
        public let host: String
    }

    public let settings: NotifySettings
    public let log: @Sendable (String) -> Void

    public init(settings: NotifySettings, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.log = log
    }

    /// The events a set of results calls for, given what was announced before (pure; tested directly).
    public static func events(for results: [Result], previous: [String: NotificationState], now: Date, host: String) -> [Event] {
        results.compactMap { result in
            let wasFailing = previous[result.name]?.failing ?? false
            if result.failed && !wasFailing {
                return Event(event: .failure, certificate: result.name, message: result.message, since: now, host: host)
            }
            if !result.failed && wasFailing {
                return Event(event: .recovery, certificate: result.name, message: nil, since: now, host: host)
            }
            return nil
        }
    }

    /// Sends what `results` call for and records it in `inventory`.
    /// Returns the events that were delivered.
    @discardableResult
    public func process(_ results: [Result], inventory: Inventory, now: Date) async -> [Event] {
        let previous = (try? inventory.notificationStates()) ?? [:]
        let host = ProcessInfo.processInfo.hostName
        var delivered: [Event] = []
        for event in Self.events(for: results, previous: previous, now: now, host: host) {
            guard await deliver(event) else { continue }
            delivered.append(event)
            let state = NotificationState(subject: event.certificate, failing: event.event == .failure,
                                          since: Int64(now.timeIntervalSince1970), message: event.message)
            do { try inventory.saveNotificationState(state, at: now) } catch {
                log("notification state for \(event.certificate) not saved: \(error)")
            }
        }
        return delivered
    }

    /// True when every configured channel took the event.
    func deliver(_ event: Event) async -> Bool {
        var ok = true
        if let webhook = settings.webhook {
            ok = await post(event, to: webhook) && ok
        }
        if let command = settings.command {
            ok = run(event, command: command) && ok
        }
        return ok
    }

    private func post(_ event: Event, to url: String) async -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do {
            let body = Array(try encoder.encode(event))
            let client = try HTTPClient(HTTPClient.Configuration(totalTimeout: .seconds(Int64(settings.timeoutSeconds))))
            let response = try await client.send(HTTPRequest(.post, url, headers: [("Content-Type", "application/json")], body: body))
            guard (200..<300).contains(response.status) else {
                log("notify webhook \(url) answered HTTP \(response.status); will retry on the next run")
                return false
            }
            return true
        } catch {
            log("notify webhook \(url) failed: \(error); will retry on the next run")
            return false
        }
    }

    private func run(_ event: Event, command: Argv) -> Bool {
        let environment = [
            "CLM_NOTIFY_EVENT": event.event.rawValue,
            "CLM_CERT_NAME": event.certificate,
            "CLM_NOTIFY_MESSAGE": event.message ?? "",
            "CLM_NOTIFY_HOST": event.host,
        ]
        do {
            let outcome = try HookRunner().run(command, environment: environment, timeout: settings.timeoutSeconds)
            if !outcome.succeeded {
                log("notify command \(command.first ?? "") \(outcome.timedOut ? "timed out" : "exited \(outcome.status)"); will retry on the next run")
            }
            return outcome.succeeded
        } catch {
            log("notify command failed: \(error)")
            return false
        }
    }
}
