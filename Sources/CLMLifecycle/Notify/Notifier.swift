internal import CLMDeploy
internal import CLMHTTP
public import CLMCore
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
    /// The hook environment policy the notify command runs under.
    public var policy = HookEnvironment()

    public init(settings: NotifySettings, policy: HookEnvironment = HookEnvironment(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.policy = policy
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
    public func process(_ results: [Result], inventory: InventoryConnection, now: Date) async -> [Event] {
        let previous = (try? await inventory.run { try $0.deploys.notificationStates() }) ?? [:]
        let host = ProcessInfo.processInfo.hostName
        var delivered: [Event] = []
        for event in Self.events(for: results, previous: previous, now: now, host: host) {
            // Channels that already took this very event (an earlier run delivered
            // it to some of them) are not told twice.
            let pending = previous[event.certificate].flatMap { state in
                state.failing == (event.event == .failure) ? nil : state.pendingChannels
            }
            let remaining = await deliver(event, to: pending ?? Channel.configured(settings))
            if remaining.isEmpty { delivered.append(event) }
            let fullyDelivered = remaining.isEmpty
            // Until every channel has it, keep the old state but note who still waits.
            let state = fullyDelivered
                ? NotificationState(subject: event.certificate, failing: event.event == .failure,
                                    since: Int64(now.timeIntervalSince1970), message: event.message)
                : NotificationState(subject: event.certificate, failing: previous[event.certificate]?.failing ?? false,
                                    since: previous[event.certificate]?.since ?? Int64(now.timeIntervalSince1970),
                                    message: previous[event.certificate]?.message, pendingChannels: remaining)
            do { try await inventory.run { try $0.deploys.saveNotificationState(state, at: now) } } catch {
                log("notification state for \(event.certificate) not saved: \(error)")
            }
        }
        return delivered
    }

    /// Where announcements go.
    enum Channel: String, Sendable, CaseIterable {
        case webhook, command

        static func configured(_ settings: NotifySettings) -> Set<String> {
            var channels = Set<String>()
            if settings.webhook != nil { channels.insert(Channel.webhook.rawValue) }
            if settings.command != nil { channels.insert(Channel.command.rawValue) }
            return channels
        }
    }

    /// Sends `event` to `channels`; returns the channels that did not take it.
    func deliver(_ event: Event, to channels: Set<String>) async -> Set<String> {
        var failed = Set<String>()
        if channels.contains(Channel.webhook.rawValue), let webhook = settings.webhook, !(await post(event, to: webhook)) {
            failed.insert(Channel.webhook.rawValue)
        }
        if channels.contains(Channel.command.rawValue), let command = settings.command, !run(event, command: command) {
            failed.insert(Channel.command.rawValue)
        }
        return failed
    }

    /// Scheme and host only: webhook paths often carry a token (Slack, Teams).
    public static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return "(webhook)" }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")/…"
    }

    private func post(_ event: Event, to url: String) async -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            let body = Array(try encoder.encode(event))
            let client = try HTTPClient(HTTPClient.Configuration(totalTimeout: .seconds(Int64(settings.timeoutSeconds))))
            let response = try await client.send(HTTPRequest(.post, url, headers: [("Content-Type", "application/json")], body: body))
            guard (200..<300).contains(response.status) else {
                log("notify webhook \(Self.redacted(url)) answered HTTP \(response.status); will retry on the next run")
                return false
            }
            return true
        } catch {
            log("notify webhook \(Self.redacted(url)) failed; will retry on the next run")
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
            let outcome = try HookRunner(policy: policy).run(command, environment: environment, timeout: settings.timeoutSeconds)
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
