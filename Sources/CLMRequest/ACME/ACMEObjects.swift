public import Foundation

/// Namespace for the RFC 8555 resource objects, spelled as the RFC spells them.
public enum ACME {}

extension ACME {
    /// RFC 8555 §9.7.7: an identifier the certificate will cover.
    public struct Identifier: Codable, Sendable, Hashable, CustomStringConvertible {
        /// "dns" or "ip" (RFC 8738).
        public var type: String
        public var value: String

        public init(type: String, value: String) {
            self.type = type
            self.value = value
        }

        public static func dns(_ name: String) -> Identifier { Identifier(type: "dns", value: name) }
        public static func ip(_ address: String) -> Identifier { Identifier(type: "ip", value: address) }

        /// "ip" when `name` parses as an IPv4/IPv6 address, else "dns".
        public static func guess(_ name: String) -> Identifier {
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1 { return .ip(name) }
            return .dns(name.lowercased())
        }

        public var description: String { "\(type) \(value)" }
    }

    /// RFC 8555 §7.1.1: the directory object.
    public struct Directory: Codable, Sendable, Hashable {
        public var newNonce: String
        public var newAccount: String
        public var newOrder: String
        public var newAuthz: String?
        public var revokeCert: String
        public var keyChange: String
        /// RFC 9773 §4: present when the CA offers ACME Renewal Information.
        public var renewalInfo: String?
        public var meta: Meta?

        /// RFC 8555 §7.1.1 "meta".
        public struct Meta: Codable, Sendable, Hashable {
            public var termsOfService: String?
            public var website: String?
            public var caaIdentities: [String]?
            public var externalAccountRequired: Bool?
        }
    }

    /// RFC 8555 §7.1.2: the account object.
    public struct Account: Codable, Sendable, Hashable {
        /// RFC 8555 §7.1.6: account status values.
        public enum Status: String, Codable, Sendable { case valid, deactivated, revoked }
        public var status: Status
        public var contact: [String]?
        public var termsOfServiceAgreed: Bool?
        public var orders: String?
    }

    /// RFC 8555 §7.1.3: the order object.
    public struct Order: Codable, Sendable, Hashable {
        /// RFC 8555 §7.1.6: order status values.
        public enum Status: String, Codable, Sendable { case pending, ready, processing, valid, invalid }
        public var status: Status
        public var expires: String?
        public var identifiers: [Identifier]
        public var notBefore: String?
        public var notAfter: String?
        public var error: Problem?
        public var authorizations: [String]
        public var finalize: String
        public var certificate: String?
        /// RFC 9773 §5: the certificate this order replaces.
        public var replaces: String?
    }

    /// RFC 8555 §7.1.4: the authorization object.
    public struct Authorization: Codable, Sendable, Hashable {
        /// RFC 8555 §7.1.6: authorization status values.
        public enum Status: String, Codable, Sendable { case pending, valid, invalid, deactivated, expired, revoked }
        public var identifier: Identifier
        public var status: Status
        public var expires: String?
        public var challenges: [Challenge]
        public var wildcard: Bool?
    }

    /// RFC 8555 §7.1.5 and §8: a challenge object.
    public struct Challenge: Codable, Sendable, Hashable {
        /// RFC 8555 §7.1.6: challenge status values.
        public enum Status: String, Codable, Sendable { case pending, processing, valid, invalid }
        /// "http-01", "dns-01", "tls-alpn-01", ...
        public var type: String
        public var url: String
        public var status: Status
        /// RFC 8555 §8.3, §8.4: present on http-01 and dns-01.
        public var token: String?
        public var validated: String?
        public var error: Problem?
    }

    /// RFC 9773 §4.2: the renewalInfo object.
    public struct RenewalInfo: Codable, Sendable, Hashable {
        public struct Window: Codable, Sendable, Hashable {
            public var start: String
            public var end: String
        }
        public var suggestedWindow: Window
        public var explanationURL: String?

        /// The window as dates; nil when the CA sent unparseable or inverted times.
        public var window: ClosedRange<Date>? {
            guard let start = RFC3339.parse(suggestedWindow.start), let end = RFC3339.parse(suggestedWindow.end), start <= end else { return nil }
            return start...end
        }
    }
}

/// RFC 3339 timestamps as ACME servers write them (with or without fractions).
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        // Go writes up to nine fraction digits; Foundation reads at most three.
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            let fraction = text[text.index(after: dot)..<end]
            let trimmed = text[..<dot] + "." + fraction.prefix(3) + text[end...]
            return fractional.date(from: String(trimmed))
        }
        return nil
    }

    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
