public import Foundation
public import CLMInventory

/// Namespace for the RFC 8555 resource objects, spelled as the RFC spells them.
public enum ACME {}

extension ACME {
    /// RFC 8555 §9.7.7: an identifier the certificate will cover (declared
    /// once, in the inventory, which records orders by their identifiers).
    public typealias Identifier = ACMEIdentifier

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
///
/// Parsed here rather than by Foundation: ICU crashed (SIGFPE) on a CA's
/// date with 35 fraction digits. Bounded length, digits checked by hand,
/// calendar arithmetic in integers; anything else is nil, never a trap.
public enum RFC3339 {
    /// Longest accepted text: a full date-time with nine fraction digits is 35 bytes.
    static let maxLength = 64

    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= maxLength else { return nil }
        var cursor = 0
        func number(_ width: Int) -> Int? {
            guard cursor + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[cursor..<(cursor + width)] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            cursor += width
            return value
        }
        func expect(_ allowed: String) -> Bool {
            guard cursor < bytes.count, allowed.utf8.contains(bytes[cursor]) else { return false }
            cursor += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second <= 60 else { return nil }  // 60: a leap second
        var nanoseconds = 0
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ".") {
            cursor += 1
            var digits = 0
            while cursor < bytes.count, (0x30...0x39).contains(bytes[cursor]) {
                if digits < 9 { nanoseconds = nanoseconds * 10 + Int(bytes[cursor] - 0x30) }
                digits += 1
                cursor += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanoseconds *= 10 }
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "+") || bytes[cursor] == UInt8(ascii: "-") {
            let sign = bytes[cursor] == UInt8(ascii: "-") ? -1 : 1
            cursor += 1
            guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard cursor == bytes.count else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1_000_000_000)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

extension ACMEIdentifier {
    /// "ip" when `name` parses as an IPv4/IPv6 address, else "dns".
    public static func guess(_ name: String) -> ACMEIdentifier {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1 { return .ip(name) }
        return .dns(name.lowercased())
    }
}
