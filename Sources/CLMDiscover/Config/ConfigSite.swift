/// A place in a configuration file: `path:line`.
public struct ConfigLocation: Sendable, Codable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// Which server software a site was found in.
public enum ConfigServer: String, Sendable, Codable, Hashable {
    case nginx, haproxy
}

/// One certificate a server configuration serves, with the names and ports
/// it serves it for.
public struct ConfigSite: Sendable, Codable, Hashable {
    public var server: ConfigServer
    /// Where the certificate is configured (the `ssl_certificate` or `bind` line).
    public var location: ConfigLocation
    /// `server_name` entries (nginx) or SNI filters from a crt-list (HAProxy);
    /// empty when the configuration names none (then the certificate's own
    /// names apply).
    public var names: [String]
    /// TLS ports this certificate is served on.
    public var ports: [UInt16]
    /// Listen addresses as written (`*`, `127.0.0.1`, `[::]`).
    public var addresses: [String]
    /// Absolute path of the certificate (chain) file.
    public var certPath: String
    /// Absolute path of the key; for HAProxy the combined PEM when no
    /// separate `.key` file exists.
    public var keyPath: String?

    public init(server: ConfigServer, location: ConfigLocation, names: [String], ports: [UInt16], addresses: [String],
                certPath: String, keyPath: String?) {
        self.server = server
        self.location = location
        self.names = names
        self.ports = ports
        self.addresses = addresses
        self.certPath = certPath
        self.keyPath = keyPath
    }
}

/// Something wrong or suspicious in a configuration, with `file:line`.
public struct ConfigWarning: Sendable, Codable, Hashable, CustomStringConvertible {
    public var location: ConfigLocation
    public var message: String

    public init(_ location: ConfigLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// The outcome of reading one configuration (and everything it includes).
public struct ConfigScan: Sendable, Codable, Hashable {
    public var sites: [ConfigSite]
    public var warnings: [ConfigWarning]
    /// Every file read, main file first.
    public var files: [String]

    public init(sites: [ConfigSite] = [], warnings: [ConfigWarning] = [], files: [String] = []) {
        self.sites = sites
        self.warnings = warnings
        self.files = files
    }
}
