internal import Foundation

/// Reading the inventory's DN text (`C=US, O=Example\, Inc, CN=host`:
/// encoding order, ", " between RDNs, " + " inside one, RFC 4514 escapes
/// plus `\XX` for control bytes). The metrics labels, the report and the
/// audit's finding subjects all read names through it.
public enum DistinguishedNameText {
    /// The attributes in encoding order, values unescaped.
    public static func attributes(_ text: String) -> [(type: String, value: String)] {
        // Each part keeps how many of its bytes end in an escape, so an escaped
        // trailing space survives while the separators' spaces (", ", " + ") go.
        var parts: [(bytes: [UInt8], kept: Int)] = []
        var current: [UInt8] = []
        var kept = 0
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                if index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) {
                    let byte = high << 4 | low
                    // Control bytes stay escaped: unescaping must never put raw C0/DEL into output.
                    if byte < 0x20 || byte == 0x7F {
                        current.append(contentsOf: bytes[index...(index + 2)])
                    } else {
                        current.append(byte)
                    }
                    index += 3
                } else {
                    current.append(bytes[index + 1])
                    index += 2
                }
                kept = current.count
                continue
            }
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "+") {
                parts.append((current, kept))
                current = []
                kept = 0
            } else {
                current.append(byte)
            }
            index += 1
        }
        parts.append((current, kept))
        var result: [(type: String, value: String)] = []
        for var part in parts {
            while part.bytes.count > part.kept, part.bytes.last == UInt8(ascii: " ") { part.bytes.removeLast() }
            let leading = part.bytes.prefix { $0 == UInt8(ascii: " ") }.count
            guard let equals = part.bytes[leading...].firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = String(decoding: part.bytes[leading..<equals], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            result.append((key, String(decoding: part.bytes[(equals + 1)...], as: UTF8.self)))
        }
        return result
    }

    /// Label values as the exporter's Go code fills them from `pkix.Name`:
    /// the first value of C, ST, L, O, OU; for CN, Go keeps the last one
    /// (`CommonName` is overwritten by each CN attribute).
    public static func exporterFields(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in attributes(text) {
            if key == "CN" {
                result[key] = value
            } else if result[key] == nil {
                result[key] = value
            }
        }
        return result
    }

    /// A readable one-line DN without escape backslashes (for people, not parsers).
    public static func readable(_ text: String) -> String {
        attributes(text).map { "\($0.type)=\($0.value)" }.joined(separator: ", ")
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
