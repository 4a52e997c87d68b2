internal import Foundation

/// The plaintext protocol spoken before TLS starts, if any.
///
/// SMTP (RFC 3207), IMAP (RFC 3501 §6.2.1) and POP3 (RFC 2595 §4) upgrade a
/// plaintext session with STARTTLS / STLS; `none` means the server expects a
/// TLS ClientHello straight away (implicit TLS).
public enum StartTLSProtocol: String, Sendable, Codable, CaseIterable, Hashable {
    case none, smtp, imap, pop3

    /// The protocol a well-known port implies: 25 and 587 SMTP, 143 IMAP,
    /// 110 POP3; everything else (443, 465, 993, 995, ...) implicit TLS.
    public static func wellKnown(port: UInt16) -> StartTLSProtocol {
        switch port {
        case 25, 587: .smtp
        case 143: .imap
        case 110: .pop3
        default: .none
        }
    }

    /// The mail protocol spoken inside TLS on a well-known implicit-TLS port:
    /// 465 SMTP (RFC 8314), 993 IMAP, 995 POP3.
    public static func wellKnownImplicit(port: UInt16) -> StartTLSProtocol? {
        switch port {
        case 465: .smtp
        case 993: .imap
        case 995: .pop3
        default: nil
        }
    }
}

/// One TLS endpoint to probe: where to connect, which name to ask for and to
/// check, and how to get to the handshake.
public struct TLSTarget: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A DNS name or an IP literal (IPv6 without brackets).
    public var host: String
    public var port: UInt16
    /// Server Name Indication; `nil` means the host name (none for IP literals).
    public var sni: String?
    public var starttls: StartTLSProtocol
    /// On implicit TLS, the mail protocol spoken inside (`tls=imap` in a
    /// targets line); nil means from the well-known port (465, 993, 995).
    public var application: StartTLSProtocol?

    /// - Parameter starttls: `nil` picks the protocol from the well-known port.
    public init(host: String, port: UInt16, sni: String? = nil, starttls: StartTLSProtocol? = nil,
                application: StartTLSProtocol? = nil) {
        self.host = host
        self.port = port
        self.sni = sni
        self.starttls = starttls ?? .wellKnown(port: port)
        self.application = application
    }

    /// The mail protocol whose first command is sent after the handshake:
    /// the STARTTLS protocol, else ``application``, else the well-known
    /// implicit port's; nil for web and unknown ports.
    public var sessionProtocol: StartTLSProtocol? {
        if starttls != .none { return starttls }
        if let application, application != .none { return application }
        return StartTLSProtocol.wellKnownImplicit(port: port)
    }

    /// `host:port`, with IPv6 literals in brackets: `[::1]:443`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether `host` is an IPv4 or IPv6 literal.
    public var hostIsIPLiteral: Bool { IPLiteral.isIP(host) }

    /// The name sent as SNI: the explicit `sni`, else the host unless it is
    /// an IP literal (RFC 6066 §3 forbids literal addresses in SNI).
    public var serverName: String? {
        if let sni, !sni.isEmpty { return sni }
        return hostIsIPLiteral ? nil : host
    }

    /// The name the certificate must cover: the SNI name, else the host.
    public var verificationName: String { serverName ?? host }

    /// The standard web and mail ports `clm diagnose HOST` tries without a port.
    public static let standardPorts: [UInt16] = [443, 25, 465, 587, 143, 993, 110, 995]

    /// Parses `host:port`, `[v6]:port`, or a bare `host` with `defaultPort`.
    public static func parse(_ text: String, defaultPort: UInt16? = nil, sni: String? = nil,
                             starttls: StartTLSProtocol? = nil) throws(TLSTargetParseError) -> TLSTarget {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .invalid(text, reason: "empty endpoint") }
        var host: Substring
        var portText: Substring?
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw .invalid(text, reason: "missing ']' after the IPv6 address")
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            if rest.hasPrefix(":") { portText = rest.dropFirst() } else if !rest.isEmpty {
                throw .invalid(text, reason: "expected ':PORT' after ']'")
            }
        } else if trimmed.filter({ $0 == ":" }).count > 1 {
            // Bare IPv6 literal without a port.
            host = Substring(trimmed)
        } else if let colon = trimmed.lastIndex(of: ":") {
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
        } else {
            host = Substring(trimmed)
        }
        guard !host.isEmpty else { throw .invalid(text, reason: "empty host name") }
        let port: UInt16
        if let portText {
            guard let value = UInt16(portText), value > 0 else {
                throw .invalid(text, reason: "port '\(portText)' is not a number between 1 and 65535")
            }
            port = value
        } else if let defaultPort {
            port = defaultPort
        } else {
            throw .invalid(text, reason: "no port given (write HOST:PORT)")
        }
        return TLSTarget(host: String(host), port: port, sni: sni, starttls: starttls)
    }
}

/// A malformed endpoint string.
public enum TLSTargetParseError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(text, reason): "invalid endpoint '\(text)': \(reason)"
        }
    }
}
