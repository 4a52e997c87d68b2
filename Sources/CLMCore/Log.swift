internal import Foundation

/// clm's log: lines on standard error, as text for people or JSON objects
/// (one per line) for log shippers (`--log-format json`).
///
/// A value type holding only its settings, so it can be passed to every
/// stage and across threads. Never log key material: callers pass
/// fingerprints, paths and names, not PEM.
public struct Log: Sendable {
    public enum Format: String, Sendable, CaseIterable { case text, json }
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error
        public var name: String { ["debug", "info", "warning", "error"][rawValue] }
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public var format: Format
    public var minimum: Level
    /// Where lines go; standard error unless a test captures them.
    private let sink: @Sendable (String) -> Void

    public init(format: Format = .text, minimum: Level = .info, sink: (@Sendable (String) -> Void)? = nil) {
        self.format = format
        self.minimum = minimum
        self.sink = sink ?? { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// A log that drops everything.
    public static let silent = Log(minimum: .error, sink: { _ in })

    public func debug(_ message: @autoclosure () -> String, _ fields: [String: String] = [:]) { emit(.debug, message(), fields) }
    public func info(_ message: @autoclosure () -> String, _ fields: [String: String] = [:]) { emit(.info, message(), fields) }
    public func warning(_ message: @autoclosure () -> String, _ fields: [String: String] = [:]) { emit(.warning, message(), fields) }
    public func error(_ message: @autoclosure () -> String, _ fields: [String: String] = [:]) { emit(.error, message(), fields) }

    private func emit(_ level: Level, _ message: String, _ fields: [String: String]) {
        guard level >= minimum else { return }
        switch format {
        case .text:
            let extra = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoteIfNeeded($0.value.displaySafe))" }.joined(separator: " ")
            sink("clm: \(level == .info ? "" : level.name + ": ")\(message.displaySafe)\(extra.isEmpty ? "" : " " + extra)\n")
        case .json:
            var object: [String: String] = fields
            object["level"] = level.name
            object["msg"] = message
            object["time"] = Self.timestamp()
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            sink(String(decoding: data, as: UTF8.self) + "\n")
        }
    }

    static func quoteIfNeeded(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
