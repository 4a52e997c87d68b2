internal import Foundation

/// Reads a server's idea of the current time from what it says in passing.
enum ServerClock {
    /// `Date:` header of an HTTP response (RFC 9110 §5.6.7 IMF-fixdate).
    static func dateInHTTPHeaders(_ bytes: [UInt8]) -> Date? {
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\r\n") where line.lowercased().hasPrefix("date:") {
            return parseIMF(String(line.dropFirst(5)).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// A date in an SMTP greeting (`220 mx ESMTP Postfix; Mon, 1 Jan 2024 10:00:00 +0000`).
    static func dateInSMTPBanner(_ lines: [String]) -> Date? {
        guard let greeting = lines.first else { return nil }
        let days = ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"]
        for day in days {
            if let range = greeting.range(of: day) {
                let candidate = String(greeting[range.lowerBound...])
                let words = candidate.split(separator: " ").prefix(6).joined(separator: " ")
                if let date = parseRFC5322(words) { return date }
            }
        }
        return nil
    }

    private static func parseIMF(_ text: String) -> Date? {
        formatter("EEE, dd MMM yyyy HH:mm:ss zzz").date(from: text)
    }

    private static func parseRFC5322(_ text: String) -> Date? {
        formatter("EEE, d MMM yyyy HH:mm:ss Z").date(from: text)
    }

    private static func formatter(_ format: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = format
        return f
    }
}
