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
    case nginx, haproxy, postfix, dovecot
}

/// A TLS setting in effect for a site and where it was set, so advice can
/// name the line to change (`smtpd_tls_protocols` at main.cf:41).
public struct ConfigDirective: Sendable, Codable, Hashable, CustomStringConvertible {
    public var name: String
    public var value: String
    public var location: ConfigLocation

    public init(name: String, value: String, location: ConfigLocation) {
        self.name = name
        self.value = value
        self.location = location
    }

    public var description: String { "\(name) = \(value) (\(location))" }
}

/// One port a site's certificate is served on, with how a client reaches TLS
/// there: STARTTLS of a mail protocol, or TLS from the first byte.
///
/// Mail servers serve one certificate on ports that differ in this (Postfix
/// 25/587 STARTTLS and 465 implicit TLS), so the port alone does not say it.
public struct SiteListener: Sendable, Codable, Hashable, CustomStringConvertible {
    public var address: String
    public var port: UInt16
    /// The server's own name for the listener: a master.cf service
    /// (`submission`), a Dovecot `inet_listener` (`imaps`), an nginx
    /// context (`mail`, `stream`).
    public var service: String
    /// The protocol spoken on the port (`smtp`, `imap`, `pop3`), or nil for HTTP.
    public var application: String?
    /// Whether TLS starts with STARTTLS (true) or with the first byte (false).
    public var starttls: Bool

    public init(address: String, port: UInt16, service: String, application: String?, starttls: Bool) {
        self.address = address
        self.port = port
        self.service = service
        self.application = application
        self.starttls = starttls
    }

    /// `127.0.0.1:587 starttls=smtp` or `127.0.0.1:465 tls=smtp`: the endpoint
    /// as a `--targets` / `verify:` entry understands it.
    public var endpointSpec: String {
        let host = address == "*" || address.isEmpty ? "*" : address
        let base = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
        guard let application else { return base }
        return base + (starttls ? " starttls=" : " tls=") + application
    }

    /// `submission 127.0.0.1:587 starttls=smtp`; a service named by its own
    /// address (`127.0.0.1:25 inet ...` in master.cf) is not said twice.
    public var description: String {
        endpointSpec.hasPrefix(service + " ") || endpointSpec == service || service == String(port) ? endpointSpec : "\(service) \(endpointSpec)"
    }
}

/// What a server does with a certificate it loads.
public enum SiteRole: String, Sendable, Codable, Hashable, CaseIterable {
    /// Presented to clients that connect (nginx `ssl_certificate`, HAProxy `bind ... crt`).
    case server
    /// Presented when the server connects out: mutual TLS toward a backend,
    /// a peer or an upstream (HAProxy `server ... crt`, nginx `proxy_ssl_certificate`).
    case client
    /// The issuer HAProxy loads beside a certificate to check its stapled
    /// OCSP response (`site.pem.issuer`).
    case ocspIssuer = "ocsp-issuer"
    /// A CA the server signs certificates with on the fly (HAProxy
    /// `generate-certificates ca-sign-file`).
    case signing
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
    /// Per-port detail where TLS may start with STARTTLS or the context is
    /// not HTTP (nginx `mail`/`stream`); empty for web servers.
    public var listeners: [SiteListener] = []
    /// What the server uses the certificate for.
    public var role: SiteRole = .server
    /// For whom, in words, when the role needs it: `backend app server s1
    /// 10.0.0.1:8443` for a client certificate, the certificate an OCSP
    /// issuer belongs to.
    public var roleDetail: String?
    /// TLS settings in effect for this site (protocols, CA file, client
    /// certificates), with their lines; empty where not read.
    public var directives: [ConfigDirective] = []

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

    /// At most `perFile` warnings per file and `total` in all, each cut
    /// followed by one line that counts what was left out: a hostile config
    /// of 100,000 stray braces gives a screenful, not 100,000 lines.
    public static func capped(_ warnings: [ConfigWarning], perFile: Int = 10, total: Int = 1_000) -> [ConfigWarning] {
        var kept: [ConfigWarning] = []
        var perFileCount: [String: Int] = [:]
        var firstDropped: [String: ConfigLocation] = [:]
        var order: [String] = []
        for warning in warnings {
            let file = warning.location.file
            let count = perFileCount[file, default: 0]
            if count == 0 { order.append(file) }
            perFileCount[file] = count + 1
            if count < perFile { kept.append(warning) } else if firstDropped[file] == nil { firstDropped[file] = warning.location }
        }
        for file in order {
            guard let location = firstDropped[file], let count = perFileCount[file] else { continue }
            kept.append(ConfigWarning(location, "\(count - perFile) more warnings in this file not shown (the first \(perFile) are)"))
        }
        guard kept.count > total else { return kept }
        let dropped = kept.count - total
        return Array(kept.prefix(total)) + [ConfigWarning(kept[total].location, "\(dropped) more config warnings not shown (the first \(total) are)")]
    }
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
