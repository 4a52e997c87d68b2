/// One `-----BEGIN label-----` … `-----END label-----` block (RFC 7468),
/// with RFC 1421 headers when present (`Proc-Type`, `DEK-Info` on legacy
/// encrypted keys).
public struct PEMBlock: Sendable, Hashable {
    /// "CERTIFICATE", "PRIVATE KEY", "RSA PRIVATE KEY", "X509 CRL", …
    public let label: String
    public let headers: [String: String]
    public let der: [UInt8]

    public init(label: String, headers: [String: String] = [:], der: [UInt8]) {
        self.label = label
        self.headers = headers
        self.der = der
    }
}

/// Something wrong with a PEM block; the block is left out of ``PEMScan/blocks``.
public enum PEMProblem: Sendable, Hashable, CustomStringConvertible {
    /// A BEGIN line with no END line before the next BEGIN or the end of input.
    case truncated(label: String, line: Int)
    /// A character outside base64, or data after the padding, on this (1-based) line.
    case badBase64(label: String, line: Int)
    /// `-----END x-----` closing `-----BEGIN y-----`.
    case mismatchedEnd(begin: String, end: String, line: Int)

    public var description: String {
        switch self {
        case .truncated(let label, let line): "PEM block \"\(label)\" begun on line \(line) has no END line"
        case .badBase64(let label, let line): "PEM block \"\(label)\" has invalid base64 on line \(line)"
        case .mismatchedEnd(let begin, let end, let line): "PEM block \"\(begin)\" is closed by END \"\(end)\" on line \(line)"
        }
    }
}

/// What ``PEMDecoder/blocks(in:)`` found: the good blocks in input order and the problems.
public struct PEMScan: Sendable, Hashable {
    public let blocks: [PEMBlock]
    public let problems: [PEMProblem]
}

/// Finds and decodes PEM blocks in arbitrary bytes (a file that may mix
/// certificates, keys and prose).
///
/// Lenient where real files are: text before, after and between blocks is
/// ignored, CRLF and LF both work, spaces and tabs inside base64 lines are
/// skipped, and lines may be of any length. A bad block is reported in
/// ``PEMScan/problems`` and skipped; scanning goes on.
public enum PEMDecoder {
    private static let beginMarker = Array("-----BEGIN ".utf8)
    private static let endMarker = Array("-----END ".utf8)
    private static let dashes = Array("-----".utf8)

    /// Whether "-----BEGIN " occurs anywhere in `bytes` (a cheap test before decoding).
    public static func containsPEMMarker(_ bytes: some Collection<UInt8>) -> Bool {
        if let found = bytes.withContiguousStorageIfAvailable({ containsMarker(UnsafeRawBufferPointer($0)) }) {
            return found
        }
        return Array(bytes).withUnsafeBytes { containsMarker($0) }
    }

    /// All BEGIN/END blocks in `bytes`.
    public static func blocks(in bytes: some Collection<UInt8>) -> PEMScan {
        if let scan = bytes.withContiguousStorageIfAvailable({ scan(UnsafeRawBufferPointer($0)) }) {
            return scan
        }
        return Array(bytes).withUnsafeBytes { scan($0) }
    }

    private static func containsMarker(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let marker = beginMarker
        guard bytes.count >= marker.count else { return false }
        var index = 0
        let last = bytes.count - marker.count
        while index <= last {
            if bytes[index] == 0x2D, matches(bytes, at: index, marker) { return true }
            index += 1
        }
        return false
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at offset: Int, _ pattern: [UInt8]) -> Bool {
        guard bytes.count - offset >= pattern.count else { return false }
        for index in 0..<pattern.count where bytes[offset + index] != pattern[index] { return false }
        return true
    }

    /// Label of a marker line "-----BEGIN label-----" (or END), nil if the line is not one.
    private static func markerLabel(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>, _ marker: [UInt8]) -> String? {
        guard line.count >= marker.count + dashes.count, matches(bytes, at: line.lowerBound, marker),
              matches(bytes, at: line.upperBound - dashes.count, dashes) else { return nil }
        let label = UnsafeRawBufferPointer(rebasing: bytes[(line.lowerBound + marker.count)..<(line.upperBound - dashes.count)])
        return String(decoding: label, as: UTF8.self)
    }

    private struct OpenBlock {
        let label: String
        let line: Int
        var headers: [String: String] = [:]
        var lastHeader: String?
        var decoder = Base64Decoder()
        var sawData = false
        var failed = false
    }

    private static func scan(_ bytes: UnsafeRawBufferPointer) -> PEMScan {
        var blocks: [PEMBlock] = []
        var problems: [PEMProblem] = []
        var open: OpenBlock?
        var lineNumber = 0
        var lineStart = 0
        while lineStart < bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            let next = lineEnd + 1
            let rawStart = lineStart
            // Trim CR and surrounding blanks.
            var start = lineStart, end = lineEnd
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x0D || bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            lineStart = next
            let line = start..<end

            if let label = markerLabel(bytes, line, beginMarker) {
                if let previous = open { problems.append(.truncated(label: previous.label, line: previous.line)) }
                open = OpenBlock(label: label, line: lineNumber)
                continue
            }
            guard var block = open else { continue }
            if let label = markerLabel(bytes, line, endMarker) {
                open = nil
                if label != block.label {
                    problems.append(.mismatchedEnd(begin: block.label, end: label, line: lineNumber))
                } else if !block.failed {
                    if let der = block.decoder.finish() {
                        blocks.append(PEMBlock(label: block.label, headers: block.headers, der: der))
                    } else {
                        problems.append(.badBase64(label: block.label, line: lineNumber))
                    }
                }
                continue
            }
            if block.failed || line.isEmpty { continue }
            if !block.sawData, let colon = line.firstIndex(where: { bytes[$0] == 0x3A }) {
                // RFC 1421 header "Name: value".
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line.lowerBound..<colon]), as: UTF8.self)
                var valueStart = colon + 1
                while valueStart < line.upperBound, bytes[valueStart] == 0x20 { valueStart += 1 }
                block.headers[name] = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<line.upperBound]), as: UTF8.self)
                block.lastHeader = name
            } else if !block.sawData, start > rawStart, let header = block.lastHeader {
                // RFC 1421 continuation line: starts with white space.
                let more = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line]), as: UTF8.self)
                block.headers[header, default: ""] += " " + more
            } else {
                block.sawData = true
                if !block.decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[line])) {
                    block.failed = true
                    problems.append(.badBase64(label: block.label, line: lineNumber))
                }
            }
            open = block
        }
        if let block = open { problems.append(.truncated(label: block.label, line: block.line)) }
        return PEMScan(blocks: blocks, problems: problems)
    }

}

/// A streaming base64 decoder (RFC 4648 alphabet) over a 256-entry table.
/// Whitespace is skipped; "=" padding ends the data; anything else fails.
struct Base64Decoder {
    private static let invalid: UInt8 = 0xFF
    private static let skip: UInt8 = 0xFE
    private static let pad: UInt8 = 0xFD
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        for character in [0x20, 0x09, 0x0D, 0x0A] { table[character] = skip }
        table[Int(UInt8(ascii: "="))] = pad
        return table
    }()

    private(set) var output: [UInt8] = []
    private var accumulator: UInt32 = 0
    private var pending = 0
    private var padding = 0
    private var closed = false

    /// Decodes more text; false on a character outside the alphabet or data after padding.
    mutating func feed(_ text: UnsafeRawBufferPointer) -> Bool {
        if output.capacity - output.count < text.count {
            output.reserveCapacity(output.count + text.count * 3 / 4 + 3)
        }
        return Self.table.withUnsafeBufferPointer { table in
            for character in text {
                let value = table[Int(character)]
                if value < 64 {
                    guard padding == 0, !closed else { return false }
                    accumulator = accumulator << 6 | UInt32(value)
                    pending += 1
                    if pending == 4 {
                        output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                        output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                        output.append(UInt8(truncatingIfNeeded: accumulator))
                        accumulator = 0
                        pending = 0
                    }
                } else if value == Self.skip {
                    continue
                } else if value == Self.pad {
                    // "=" may only complete a group of 2 or 3 characters, at most twice.
                    guard !closed, pending + padding >= 2, pending + padding < 4 else { return false }
                    padding += 1
                    if pending + padding == 4 {
                        flushPartial()
                        closed = true
                    }
                } else {
                    return false
                }
            }
            return true
        }
    }

    /// The decoded bytes, or nil if the data ended in the middle of a group
    /// that cannot be completed (one lone character). Missing padding is tolerated.
    mutating func finish() -> [UInt8]? {
        if closed { return output }
        switch pending {
        case 0: return output
        case 1: return nil
        default:
            flushPartial()
            return output
        }
    }

    private mutating func flushPartial() {
        switch pending {
        case 2: output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default: break
        }
        accumulator = 0
        pending = 0
    }
}
