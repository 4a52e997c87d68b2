internal import CLMCore

/// Writes the Prometheus text exposition format (version 0.0.4).
public struct PrometheusText {
    public private(set) var output = ""
    private var declared = Set<String>()

    public init() {}

    /// `# HELP` and `# TYPE` once per metric family.
    public mutating func declare(_ name: String, type: String, help: String) {
        guard declared.insert(name).inserted else { return }
        output += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    public mutating func sample(_ name: String, labels: [(String, String)], value: Double) {
        output += name
        if !labels.isEmpty {
            output += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        output += " " + Self.format(value) + "\n"
    }

    static func escape(_ value: String) -> String {
        // A scrape read in a terminal must not carry raw escapes: other controls as a visible `\x1B`.
        SafeText.escaped(value, ["\\": "\\\\", "\"": "\\\"", "\n": "\\n"],
                         control: { SafeText.escaped(String($0)).replacingOccurrences(of: "\\", with: "\\\\") })
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
