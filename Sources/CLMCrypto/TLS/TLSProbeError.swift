/// Why a probe could not look at an endpoint's certificate.
///
/// Each case names the endpoint (`host:port`); descriptions say what to try.
public enum TLSProbeError: Error, Sendable, CustomStringConvertible {
    /// A phase of the probe that can time out.
    public enum Phase: String, Sendable, Codable, Hashable {
        case connect, starttls, handshake
    }

    case dnsFailure(endpoint: String, reason: String)
    case connectionRefused(endpoint: String, address: String)
    case timeout(endpoint: String, phase: Phase, seconds: Double)
    /// Any other socket failure (unreachable network, reset, ...).
    case connectionFailed(endpoint: String, reason: String)
    /// The server answered with something that is not TLS.
    case notTLS(endpoint: String, detail: String)
    /// The plaintext STARTTLS dialogue did not lead to TLS.
    case starttlsRefused(endpoint: String, protocol: StartTLSProtocol, reply: String)
    /// STARTTLS was asked for, but the port speaks TLS from the first byte.
    case implicitTLS(endpoint: String, requested: StartTLSProtocol)
    /// STARTTLS of one protocol was asked for, but the greeting is another's.
    case wrongProtocol(endpoint: String, requested: StartTLSProtocol, found: String, greeting: String)
    case handshakeFailed(endpoint: String, error: OpenSSLError)
    /// The probe's own setup failed (bad CA file, out of memory).
    case setupFailed(endpoint: String, error: OpenSSLError)

    /// `host:port` of the endpoint.
    public var endpoint: String {
        switch self {
        case let .dnsFailure(e, _), let .connectionRefused(e, _), let .timeout(e, _, _),
             let .connectionFailed(e, _), let .notTLS(e, _), let .starttlsRefused(e, _, _),
             let .implicitTLS(e, _), let .wrongProtocol(e, _, _, _),
             let .handshakeFailed(e, _), let .setupFailed(e, _):
            e
        }
    }

    public var description: String {
        switch self {
        case let .dnsFailure(e, reason):
            "\(e): cannot resolve the host name (\(reason)); check the spelling and the DNS resolver"
        case let .connectionRefused(e, address):
            "\(e): connection refused by \(address); is the service running and listening on that port?"
        case let .timeout(e, phase, seconds):
            "\(e): no answer within \(formatSeconds(seconds)) during \(phase.rawValue); "
                + "check firewalls, or raise --timeout for slow servers"
        case let .connectionFailed(e, reason):
            "\(e): cannot connect (\(reason))"
        case let .notTLS(e, detail):
            "\(e): the server does not speak TLS on this port (\(detail)); "
                + "if it expects STARTTLS, pass --starttls smtp|imap|pop3"
        case let .starttlsRefused(e, proto, reply):
            "\(e): \(proto.rawValue.uppercased()) STARTTLS refused; server said: \(reply)"
        case let .implicitTLS(e, requested):
            "\(e): the server speaks TLS from the first byte here (implicit TLS) and sent no \(requested.rawValue.uppercased()) "
                + "greeting; drop --starttls (or use --starttls none)"
        case let .wrongProtocol(e, requested, found, greeting):
            "\(e): the server speaks \(found.uppercased()) here, not \(requested == .none ? "TLS" : requested.rawValue.uppercased()) "
                + "(greeting: \(greeting.prefix(120)))"
                + (StartTLSProtocol(rawValue: found).map { "; use --starttls \($0.rawValue)" } ?? "; this is not a TLS or mail port")
        case let .handshakeFailed(e, error):
            "\(e): TLS handshake failed: \(error)"
        case let .setupFailed(e, error):
            "\(e): cannot prepare the TLS client: \(error)"
        }
    }
}

private func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
}
