import ArgumentParser
import Foundation

/// Results as JSON on standard output, the same way for every command:
/// pretty, sorted keys, RFC 3339 dates, and `/` not escaped (paths and URLs
/// stay greppable; `\/` is legal JSON but no reader needs it).
enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        Swift.print(String(decoding: try Timestamp.encoder().encode(value), as: UTF8.self))
    }

    /// For results built as dictionaries.
    static func print(object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}

/// `--format table|json` for commands whose result is one record, not a listing.
enum ResultFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
