public import Foundation
public import CLMCrypto

/// RFC 9773 (ACME Renewal Information): the CA's suggested renewal window.
public struct RenewalSchedule: Sendable, Hashable {
    public let certID: String
    public let info: ACME.RenewalInfo
    /// When to ask again (Retry-After, RFC 9773 §4.3), if the server said.
    public let nextCheck: Date?
    /// The chosen renewal time: a uniformly random point in the window.
    public let renewAt: Date
}

public enum RenewalInfoID {
    /// RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER content).
    /// nil when the certificate has no authorityKeyIdentifier.
    public static func certID(for certificate: IssuedCertificate) -> String? {
        guard let aki = certificate.authorityKeyIdentifier, !certificate.serialDER.isEmpty else { return nil }
        return "\(Base64URL.encode(aki)).\(Base64URL.encode(certificate.serialDER))"
    }

    /// RFC 9773 §4.2: "select a uniform random time within the suggested window".
    /// A window already past is answered with its end clamped to `now`.
    public static func renewalTime(in window: ClosedRange<Date>, now: Date,
                                   using generator: inout some RandomNumberGenerator) -> Date {
        let span = window.upperBound.timeIntervalSince(window.lowerBound)
        let offset = span > 0 ? Double.random(in: 0...span, using: &generator) : 0
        let chosen = window.lowerBound.addingTimeInterval(offset)
        return window.upperBound < now ? now : chosen
    }
}

extension ACMEClient {
    /// Fetches the renewal window for a certificate (RFC 9773 §4.2, an
    /// unauthenticated GET) and picks the renewal time with `generator`.
    public func renewalSchedule(for certificate: IssuedCertificate, now: Date,
                                using generator: inout some RandomNumberGenerator) async throws(ACMEError) -> RenewalSchedule {
        guard let base = directory.renewalInfo else {
            throw .notSupported("the CA's directory \(directoryURL) has no renewalInfo (RFC 9773 ARI not offered)")
        }
        guard let certID = RenewalInfoID.certID(for: certificate) else {
            throw .invalidInput("certificate \(certificate.sha256Hex.prefix(16))… has no authorityKeyIdentifier; ARI cannot name it")
        }
        let url = base.hasSuffix("/") ? base + certID : base + "/" + certID
        var lastStatus = 0
        for attempt in 0..<3 {
            let response = try await Self.send(http, .init(.get, url))
            lastStatus = response.status
            if response.status == 200 {
                let info = try Self.decode(response, as: ACME.RenewalInfo.self)
                guard let window = info.window else {
                    throw .unexpectedResponse(url: url, status: 200, why: "suggestedWindow is not a valid RFC 3339 range")
                }
                let retryAfter = RetryAfter.parse(response.header("Retry-After"), now: now)
                let next = retryAfter.map { now.addingTimeInterval(Double($0.components.seconds)) }
                return RenewalSchedule(certID: certID, info: info, nextCheck: next,
                                       renewAt: RenewalInfoID.renewalTime(in: window, now: now, using: &generator))
            }
            guard response.status >= 500, attempt < 2 else { break }
            let wait = RetryAfter.parse(response.header("Retry-After"), now: now) ?? .milliseconds(200 << attempt)
            try await Self.sleep(min(wait, retry.maximumRetryAfter))
        }
        throw .unexpectedResponse(url: url, status: lastStatus, why: "renewalInfo not available")
    }
}
