/// Text from outside (SAN values, file names, server banners, config
/// values) made safe to print: a hostile certificate must not move the
/// cursor, clear the screen or forge a line on the operator's terminal.
///
/// C0 controls, DEL and C1 controls become visible escapes (`\n`, `\t`,
/// `\r`, otherwise `\xNN`); so do the bidirectional embedding, override and
/// isolate controls (U+202A-U+202E, U+2066-U+2069, as `\u202E`), which
/// would reorder the rest of the line ("Trojan Source", CVE-2021-42574). Backslashes stay as they are: subjects
/// already carry RFC 4514 escapes. JSON output does not need this: its encoder
/// escapes control characters by its own rules.
public enum SafeText {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            if FileSystemName.isMapped(scalar) {
                out.append(contentsOf: hex(scalar.value - FileSystemName.base).unicodeScalars)
                continue
            }
            switch scalar {
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            case _ where scalar.value > 0xFF: out.append(contentsOf: (#"\u"# + String(scalar.value, radix: 16, uppercase: true)).unicodeScalars)
            default: out.append(contentsOf: hex(scalar.value).unicodeScalars)
            }
        }
        return String(out)
    }

    /// A file name as bytes (it need not be UTF-8): valid UTF-8 is shown
    /// as text, each byte of an invalid sequence as `\xNN`.
    public static func escaped(bytes: [UInt8]) -> String {
        var out = ""
        var index = 0
        while index < bytes.count {
            let length = sequenceLength(bytes, at: index)
            if length > 0 {
                out += escaped(String(decoding: bytes[index..<(index + length)], as: UTF8.self))
                index += length
            } else {
                out += hex(UInt32(bytes[index]))
                index += 1
            }
        }
        return out
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || isBidiControl(scalar) || FileSystemName.isMapped(scalar)
    }

    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = Array("0123456789ABCDEF")
        return #"\x"# + String(digits[Int(value >> 4) & 0xF]) + String(digits[Int(value) & 0xF])
    }

    /// Length of the well-formed UTF-8 sequence starting at `index`, or 0.
    static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let (length, low, high): (Int, UInt8, UInt8)
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
        case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
        case 0xED: (length, low, high) = (3, 0x80, 0x9F)
        case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
        case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
        case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
        case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
        default: return 0
        }
        guard index + length <= bytes.count, (low...high).contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }
}

/// RFC 4180 CSV rows for listings and audit reports; fields pass through
/// ``SafeText`` first, so no control character reaches a spreadsheet or a
/// terminal that `cat`s the file.
public enum CSV {
    public static func row(_ fields: [String]) -> String {
        fields.map { raw in
            let field = neutralized(SafeText.escaped(raw))
            guard field.contains(where: { $0 == "," || $0 == "\"" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }

    /// A certificate's SAN or subject is chosen by whoever made it: a cell
    /// that starts like a formula (`=`, `+`, `@`, or `-` that is not a
    /// number) gets a leading `'`, so a spreadsheet shows it as text (OWASP).
    static func neutralized(_ field: String) -> String {
        guard let first = field.first else { return field }
        if "=+@".contains(first) || (first == "-" && Double(field) == nil) { return "'" + field }
        return field
    }
}

extension String {
    /// ``SafeText/escaped(_:)``: this text with control characters made visible.
    public var displaySafe: String { SafeText.escaped(self) }
}

extension SafeText {
    /// `text` with each scalar in `table` replaced by its escape, and every
    /// other control character (C0, DEL, C1, an unmapped file-name byte)
    /// through `control` when given: the one escaper behind
    /// HTML text, Prometheus label values and JSON strings.
    public static func escaped(_ text: String, _ table: [Unicode.Scalar: String], control: ((Unicode.Scalar) -> String)? = nil) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if let escape = table[scalar] {
                out += escape
            } else if let control, needsEscape(scalar) {
                out += control(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
