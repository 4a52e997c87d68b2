/// What one probe of a TLS endpoint found, as the inventory stores it.
public struct EndpointRecord: Sendable, Hashable, Codable {
    public var host: String
    public var port: Int
    /// The SNI name sent ("" for none).
    public var sni: String
    /// none, smtp, imap, pop3.
    public var starttls: String
    public var address: String?
    /// Set when the probe failed: a stable code (refused, timeout, dns, not-tls, handshake ...) and the message.
    public var errorCode: String?
    public var error: String?
    public var protocolVersion: String?
    public var cipher: String?
    /// notRequested, optional, required.
    public var clientCertificate: String?
    public var clientCANames: [String]
    public var ocspStapled: Bool?
    public var tlsVersions: [String]?
    public var verifyCode: Int?
    public var verifyMessage: String?
    public var hostnameMatches: Bool?
    /// SHA-256 fingerprints of the chain as sent, leaf first.
    public var chainFingerprints: [String]

    public init(host: String, port: Int, sni: String, starttls: String = "none", address: String? = nil,
                errorCode: String? = nil, error: String? = nil, protocolVersion: String? = nil, cipher: String? = nil,
                clientCertificate: String? = nil, clientCANames: [String] = [], ocspStapled: Bool? = nil,
                tlsVersions: [String]? = nil, verifyCode: Int? = nil, verifyMessage: String? = nil,
                hostnameMatches: Bool? = nil, chainFingerprints: [String] = []) {
        self.host = host
        self.port = port
        self.sni = sni
        self.starttls = starttls
        self.address = address
        self.errorCode = errorCode
        self.error = error
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.clientCertificate = clientCertificate
        self.clientCANames = clientCANames
        self.ocspStapled = ocspStapled
        self.tlsVersions = tlsVersions
        self.verifyCode = verifyCode
        self.verifyMessage = verifyMessage
        self.hostnameMatches = hostnameMatches
        self.chainFingerprints = chainFingerprints
    }

    /// The location ref: `host:port`, `[v6]:port`, plus ` sni=NAME` when SNI differs from the host.
    public var ref: String { Self.ref(host: host, port: port, sni: sni) }

    public static func ref(host: String, port: Int, sni: String) -> String {
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let base = "\(hostPart):\(port)"
        return sni.isEmpty || sni == host ? base : "\(base) sni=\(sni)"
    }
}

/// A web or proxy site found in a configuration file.
public struct SiteRecord: Sendable, Hashable, Codable {
    /// nginx or haproxy.
    public var source: String
    public var configFile: String
    public var configLine: Int
    public var serverNames: [String]
    public var listen: [String]
    public var certificatePath: String?
    public var keyPath: String?
    /// `server`, `client` or `ocsp-issuer`: what the server uses the certificate for.
    public var role: String
    /// For whom, in words (`backend app server s1 10.0.0.1:8443`).
    public var roleDetail: String?
    /// The main file the site was read through (`configFile` may be an included one).
    public var mainConfig: String?

    public init(source: String, configFile: String, configLine: Int, serverNames: [String], listen: [String],
                certificatePath: String?, keyPath: String?, role: String = "server", roleDetail: String? = nil, mainConfig: String? = nil) {
        self.source = source
        self.configFile = configFile
        self.configLine = configLine
        self.serverNames = serverNames
        self.listen = listen
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.role = role
        self.roleDetail = roleDetail
        self.mainConfig = mainConfig
    }
}
