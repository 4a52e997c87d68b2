/// A span of time written the way operators write it: `90s`, `45m`, `12h`,
/// `60d`, `8w`.
public struct DurationSpec: Sendable, Hashable, CustomStringConvertible {
    public let seconds: Int64
    public let text: String

    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case invalid(String)

        public var description: String {
            switch self {
            case .invalid(let text):
                return "invalid duration '\(text)': use a whole number followed by s, m, h, d or w (e.g. 90s, 45m, 12h, 60d, 8w)"
            }
        }
    }

    public init(seconds: Int64) {
        self.seconds = seconds
        self.text = "\(seconds)s"
    }

    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingSpaces
        guard let unit = trimmed.last, trimmed.count >= 2 else { throw .invalid(text) }
        let multiplier: Int64
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        case "d": multiplier = 86_400
        case "w": multiplier = 604_800
        default: throw .invalid(text)
        }
        let digits = trimmed.dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else { throw .invalid(text) }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw .invalid(text) }
        self.seconds = product
        self.text = trimmed
    }

    public var description: String { text }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line ends.
    public var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
