public import CLMCrypto
internal import Foundation

/// Endpoints to probe, from `--endpoint`, a targets file, or a CIDR block.
///
/// A targets file has one endpoint a line: `host:port [sni=NAME]
/// [starttls=smtp|imap|pop3 | tls=smtp|imap|pop3]`; `#` starts a comment. A line may also be a
/// CIDR block (`10.0.0.0/28`) or a bare host, probed on every `--ports` port.
public enum TargetList {
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public let source: String
        public let line: Int?
        public let reason: String
        public var description: String { line.map { "\(source):\($0): \(reason)" } ?? "\(source): \(reason)" }
    }

    /// The largest CIDR block expanded (a /20 of IPv4): bigger scans are almost always a typo.
    public static let maxAddressesPerBlock = 4096

    /// Parses one `--endpoint` value (or targets-file line).
    public static func parseLine(_ line: String, ports: [UInt16], source: String, lineNumber: Int? = nil,
                                 sni: String? = nil, starttls: StartTLSProtocol? = nil) throws(ParseError) -> [TLSTarget] {
        var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !fields.isEmpty else { return [] }
        let address = fields.removeFirst()
        var lineSNI = sni
        var lineStartTLS = starttls
        var application: StartTLSProtocol?
        for field in fields {
            let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ParseError(source: source, line: lineNumber, reason: "unexpected '\(field)' (use sni=NAME or starttls=smtp|imap|pop3)") }
            switch parts[0] {
            case "sni": lineSNI = parts[1]
            case "starttls":
                guard let value = StartTLSProtocol(rawValue: parts[1]) else {
                    throw ParseError(source: source, line: lineNumber, reason: "starttls must be smtp, imap, pop3 or none, not '\(parts[1])'")
                }
                lineStartTLS = value
            case "tls":
                // Implicit TLS with this protocol inside (tls=imap on a private port).
                guard let value = StartTLSProtocol(rawValue: parts[1]), value != .none else {
                    throw ParseError(source: source, line: lineNumber, reason: "tls must be smtp, imap or pop3, not '\(parts[1])'")
                }
                lineStartTLS = StartTLSProtocol.none
                application = value
            default:
                throw ParseError(source: source, line: lineNumber, reason: "unknown option '\(parts[0])' (use sni=, starttls= or tls=)")
            }
        }
        if address.contains("/") {
            guard !ports.isEmpty else {
                throw ParseError(source: source, line: lineNumber, reason: "CIDR block \(address) needs --ports (e.g. --ports 443,993)")
            }
            let hosts: [String]
            do { hosts = try CIDR.expand(address, limit: maxAddressesPerBlock) } catch {
                throw ParseError(source: source, line: lineNumber, reason: error.description)
            }
            return hosts.flatMap { host in ports.map { TLSTarget(host: host, port: $0, sni: lineSNI, starttls: lineStartTLS) } }
        }
        do {
            var target = try TLSTarget.parse(address, sni: lineSNI, starttls: lineStartTLS)
            target.application = application
            return [target]
        } catch {
            // No port: probe the host on every --ports port.
            if !ports.isEmpty, !address.hasSuffix(":"), (try? TLSTarget.parse(address, defaultPort: 443)) != nil,
               !(address.contains(":") && !address.hasPrefix("[") && address.filter({ $0 == ":" }).count == 1) {
                return ports.compactMap { try? TLSTarget.parse(address, defaultPort: $0, sni: lineSNI, starttls: lineStartTLS) }
            }
            throw ParseError(source: source, line: lineNumber, reason: error.description)
        }
    }

    /// Reads a targets file.
    public static func read(file path: String, ports: [UInt16]) throws(ParseError) -> [TLSTarget] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ParseError(source: path, line: nil, reason: "cannot read: \(error.localizedDescription)")
        }
        var targets: [TLSTarget] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            targets += try parseLine(line.trimmingCharacters(in: .whitespacesAndNewlines), ports: ports, source: path, lineNumber: index + 1)
        }
        return targets
    }
}

/// IPv4 and IPv6 CIDR blocks.
enum CIDR {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func expand(_ text: String, limit: Int) throws(Failure) -> [String] {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]) else { throw Failure(description: "invalid CIDR block '\(text)'") }
        let address = String(parts[0])
        if address.contains(":") {
            var bytes = [UInt8](repeating: 0, count: 16)
            guard inet_pton(AF_INET6, address, &bytes) == 1, (0...128).contains(prefix) else {
                throw Failure(description: "invalid IPv6 CIDR block '\(text)'")
            }
            let hostBits = 128 - prefix
            guard hostBits <= 12, 1 << hostBits <= limit else {
                throw Failure(description: "CIDR block \(text) has more than \(limit) addresses; split it")
            }
            var out: [String] = []
            for offset in 0..<(1 << hostBits) {
                var value = bytes
                var carry = offset
                var index = 15
                // Clear host bits, then add the offset.
                for bit in 0..<hostBits { value[15 - bit / 8] &= ~UInt8(1 << (bit % 8)) }
                while carry > 0 && index >= 0 {
                    let sum = Int(value[index]) + (carry & 0xFF)
                    value[index] = UInt8(sum & 0xFF)
                    carry = (carry >> 8) + (sum >> 8)
                    index -= 1
                }
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                inet_ntop(AF_INET6, value, &buffer, socklen_t(buffer.count))
                out.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return out
        }
        var raw = in_addr()
        guard inet_pton(AF_INET, address, &raw) == 1, (0...32).contains(prefix) else {
            throw Failure(description: "invalid IPv4 CIDR block '\(text)'")
        }
        let count = 1 << (32 - prefix)
        guard count <= limit else { throw Failure(description: "CIDR block \(text) has \(count) addresses, more than \(limit); split it") }
        let base = UInt32(bigEndian: raw.s_addr) & (prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix))
        return (0..<UInt32(count)).map { offset in
            let value = base + offset
            return "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
        }
    }
}
