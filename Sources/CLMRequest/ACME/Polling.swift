public import Foundation

/// How the client waits for the CA: short first polls (a CA that validates
/// in milliseconds answers fast), then exponential backoff up to a ceiling,
/// within an overall deadline. A `Retry-After` from the server always wins
/// over the schedule (capped only by the deadline).
public struct PollingPolicy: Sendable, Hashable {
    public var initialDelay: Duration
    public var factor: Double
    public var maximumDelay: Duration
    public var deadline: Duration

    public init(initialDelay: Duration = .milliseconds(50), factor: Double = 2, maximumDelay: Duration = .seconds(3),
                deadline: Duration = .seconds(180)) {
        self.initialDelay = initialDelay
        self.factor = factor
        self.maximumDelay = maximumDelay
        self.deadline = deadline
    }

    /// The delay before poll number `attempt` (0-based) when the server gave no Retry-After.
    public func delay(attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 0..<attempt {
            delay = delay * factor
            if delay >= maximumDelay { return maximumDelay }
        }
        return min(delay, maximumDelay)
    }
}

/// Retries of refused requests.
public struct RetryPolicy: Sendable, Hashable {
    /// badNonce retries, each with the fresh nonce from the refusal (RFC 8555 §6.5).
    public var badNonceRetries: Int
    /// rateLimited / serverInternal / 503 retries for requests that are safe to repeat.
    public var serverRetries: Int
    public var serverBackoff: Duration
    /// A Retry-After longer than this is not waited out: the error is reported instead.
    public var maximumRetryAfter: Duration

    public init(badNonceRetries: Int = 10, serverRetries: Int = 3, serverBackoff: Duration = .seconds(1),
                maximumRetryAfter: Duration = .seconds(60)) {
        self.badNonceRetries = badNonceRetries
        self.serverRetries = serverRetries
        self.serverBackoff = serverBackoff
        self.maximumRetryAfter = maximumRetryAfter
    }
}

/// RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP-date.
public enum RetryAfter {
    /// The wait it asks for, relative to `now`; nil when absent or unparseable.
    public static func parse(_ value: String?, now: Date) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        let interval = date.timeIntervalSince(now)
        return .milliseconds(Int64(max(0, interval) * 1000))
    }
}
