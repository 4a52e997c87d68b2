/// Knobs for a TLS probe.
public struct TLSProbeOptions: Sendable, Hashable {
    /// Seconds allowed for the TCP connection (all addresses together).
    public var connectTimeout: Double
    /// Seconds allowed for the STARTTLS dialogue plus the TLS handshake.
    public var handshakeTimeout: Double
    /// PEM file of CA certificates to trust instead of the system store
    /// (for private CAs).
    public var caFile: String?
    /// Also find out which of TLS 1.0 ... 1.3 the server accepts (one extra
    /// handshake per version below the negotiated one).
    public var probeVersions: Bool
    /// Try to learn the server's clock (HTTP `Date` after a `HEAD /` on
    /// implicit-TLS non-mail ports; SMTP banner dates), for clock skew.
    public var readServerClock: Bool
    /// When the server asked for a client certificate in TLS 1.3, how long to
    /// wait after the handshake for its verdict (an alert means required).
    public var clientCertificateVerdictWait: Double
    /// On mail ports, send the protocol's first command after the handshake
    /// (EHLO, CAPABILITY, CAPA) and keep the reply: a server may accept the
    /// handshake and refuse the session (``TLSProbeResult/session``).
    public var checkSession = false
    /// With STARTTLS asked for: seconds to wait for the plaintext greeting
    /// before checking whether the port speaks TLS first (implicit TLS), so
    /// that misuse is named without waiting for the whole timeout.
    public var greetingWait: Double = 1

    public init(connectTimeout: Double = 5, handshakeTimeout: Double = 10, caFile: String? = nil,
                probeVersions: Bool = false, readServerClock: Bool = false,
                clientCertificateVerdictWait: Double = 0.5) {
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.caFile = caFile
        self.probeVersions = probeVersions
        self.readServerClock = readServerClock
        self.clientCertificateVerdictWait = clientCertificateVerdictWait
    }

    /// One timeout for both phases (the CLI's `--timeout`).
    public init(timeout: Double, caFile: String? = nil, probeVersions: Bool = false, readServerClock: Bool = false,
                checkSession: Bool = false) {
        self.init(connectTimeout: timeout, handshakeTimeout: timeout, caFile: caFile,
                  probeVersions: probeVersions, readServerClock: readServerClock,
                  clientCertificateVerdictWait: min(0.5, timeout))
        self.checkSession = checkSession
    }
}
