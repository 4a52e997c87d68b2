internal import Foundation

/// Which certificates the parsed directives make nginx load, for whom.
///
/// - `http` and `stream` servers serve `ssl_certificate` on their
///   `listen ... ssl` ports;
/// - `mail` servers serve it on `listen ... ssl` ports (TLS from the first
///   byte) and, with `starttls on|only`, on their other ports after
///   STARTTLS; the protocol is `protocol` or, as nginx does, the one the
///   port is known for;
/// - `proxy_ssl_certificate` (and `grpc_`, `uwsgi_`) is presented to
///   upstreams reached over TLS (`proxy_pass https://`, `grpc_pass
///   grpcs://`, `uwsgi_pass suwsgi://`, stream `proxy_ssl on`).
///
/// Servers inherit `ssl_certificate`/`_key`, `starttls` and `ssl` from
/// their context; locations inherit the upstream client certificates.
extension NginxConfigReader {
    /// The top-level block a `server` sits in.
    enum Context: String { case http, stream, mail }

    /// What a level of the configuration passes down to the blocks inside it.
    struct Inherited {
        var certificates: [(path: String, location: ConfigLocation)] = []
        var keys: [String] = []
        /// mail: `starttls on|only|off`.
        var starttls: String?
        /// Obsolete `ssl on;` (every listen is TLS).
        var sslOn = false
        /// `proxy_ssl_certificate` and friends, by module prefix (`proxy`, `grpc`, `uwsgi`).
        var upstreamCertificates: [String: (path: String, location: ConfigLocation)] = [:]
        var upstreamKeys: [String: String] = [:]
        /// stream: `proxy_ssl on`.
        var streamProxySSL = false

        /// The level below, after the directives set at `directives`' level.
        func merged(with directives: [Directive]) -> Inherited {
            var level = self
            let certificates = directives.filter { $0.name == "ssl_certificate" }
            if !certificates.isEmpty {
                level.certificates = certificates.compactMap { d in d.args.first.map { ($0, d.location) } }
                level.keys = directives.filter { $0.name == "ssl_certificate_key" }.compactMap(\.args.first)
            }
            for d in directives {
                guard let value = d.args.first else { continue }
                switch d.name {
                case "starttls": level.starttls = value
                case "ssl": level.sslOn = value == "on"
                case "proxy_ssl": level.streamProxySSL = value == "on"
                default:
                    for prefix in NginxConfigReader.upstreamModules.keys {
                        if d.name == prefix + "_ssl_certificate" { level.upstreamCertificates[prefix] = (value, d.location) }
                        if d.name == prefix + "_ssl_certificate_key" { level.upstreamKeys[prefix] = value }
                    }
                }
            }
            return level
        }
    }

    /// Upstream modules with a client certificate, and the pass directive
    /// and URL schemes that make them speak TLS.
    static let upstreamModules: [String: (pass: String, schemes: [String])] = [
        "proxy": ("proxy_pass", ["https://"]),
        "grpc": ("grpc_pass", ["grpcs://"]),
        "uwsgi": ("uwsgi_pass", ["suwsgi://"]),
    ]

    /// Collects sites, client certificates and warnings while walking.
    struct SiteCollector {
        let confDir: String
        var sites: [ConfigSite] = []
        var warnings: [ConfigWarning] = []
        /// Upstream certificate directives already recorded (one site each).
        var upstreamDirectives = Set<ConfigLocation>()
    }

    func walk(_ directives: [Directive], context: Context?, inherited: Inherited, into collector: inout SiteCollector) {
        let level = inherited.merged(with: directives)
        for directive in directives {
            guard let block = directive.block else { continue }
            switch directive.name {
            case "server":
                let serverLevel = level.merged(with: block)
                switch context ?? .http {
                case .mail: mailServer(block, at: directive.location, level: serverLevel, into: &collector)
                case .http: server(block, at: directive.location, level: serverLevel, context: .http, into: &collector)
                    upstreams(block, level: serverLevel, context: .http, into: &collector)
                case .stream: server(block, at: directive.location, level: serverLevel, context: .stream, into: &collector)
                    upstreams(block, level: serverLevel, context: .stream, into: &collector)
                }
            case "http", "stream", "mail":
                guard context == nil else { continue }
                walk(block, context: Context(rawValue: directive.name), inherited: level, into: &collector)
            default:
                continue
            }
        }
        // nginx's http module loads the context's certificate into every
        // server below it, TLS or not: one no server serves is still loaded.
        // (mail and stream load certificates only where a listener uses TLS.)
        guard context == .http, directives.contains(where: { $0.name == "ssl_certificate" }) else { return }
        for (index, certificate) in level.certificates.enumerated()
        where !collector.sites.contains(where: { $0.location == certificate.location }) {
            let key = index < level.keys.count ? level.keys[index] : nil
            if let site = makeSite(certificate: certificate, key: key, directive: "ssl_certificate", into: &collector) {
                collector.sites.append(site)
            }
        }
    }

    /// An `http` or `stream` server: TLS on its `listen ... ssl` ports.
    private func server(_ block: [Directive], at location: ConfigLocation, level: Inherited, context: Context,
                        into collector: inout SiteCollector) {
        var ports: [UInt16] = []
        var addresses: [String] = []
        var listeners: [SiteListener] = []
        var anyListen = false
        for d in block where d.name == "listen" {
            anyListen = true
            guard let spec = d.args.first else { continue }
            let flags = Set(d.args.dropFirst())
            guard flags.contains("ssl") || flags.contains("quic") || level.sslOn else { continue }
            if let (address, port) = Self.parseListen(spec) {
                if !ports.contains(port) { ports.append(port) }
                if !addresses.contains(address) { addresses.append(address) }
                if context == .stream {
                    listeners.append(SiteListener(address: address, port: port, service: "stream", application: nil, starttls: false))
                }
            } else if !spec.hasPrefix("unix:") {
                collector.warnings.append(ConfigWarning(d.location, "cannot read the port in 'listen \(spec)'"))
            }
        }
        // Legacy `ssl on;` without any listen: nginx listens on *:80 ... with TLS; clm says 443 as before.
        if level.sslOn && !anyListen && context == .http { ports = [443]; addresses = ["*"] }
        record(block, at: location, level: level, ports: ports, addresses: addresses, listeners: listeners,
               noTLSHint: "'listen ... ssl'", into: &collector)
    }

    /// A `mail` server: implicit TLS on `listen ... ssl`, STARTTLS on the
    /// other ports when `starttls on|only`.
    private func mailServer(_ block: [Directive], at location: ConfigLocation, level: Inherited,
                            into collector: inout SiteCollector) {
        let declared = block.last { $0.name == "protocol" }?.args.first
        let starttls = level.starttls == "on" || level.starttls == "only"
        if starttls && level.sslOn {
            collector.warnings.append(ConfigWarning(location, "'ssl on' and 'starttls' both apply to this mail server; nginx refuses that (clm reads it as TLS from the first byte)"))
        }
        var ports: [UInt16] = []
        var addresses: [String] = []
        var listeners: [SiteListener] = []
        for d in block where d.name == "listen" {
            guard let spec = d.args.first else { continue }
            guard let (address, port) = Self.parseListen(spec) else {
                if !spec.hasPrefix("unix:") {
                    collector.warnings.append(ConfigWarning(d.location, "cannot read the port in 'listen \(spec)'"))
                }
                continue
            }
            let implicit = d.args.dropFirst().contains("ssl") || level.sslOn
            guard implicit || starttls else { continue }
            let application = declared ?? Self.mailProtocol(port: port)
            if application == nil {
                collector.warnings.append(ConfigWarning(d.location, "mail listen on port \(port) without 'protocol'; nginx cannot tell imap, pop3 or smtp"))
            }
            if !ports.contains(port) { ports.append(port) }
            if !addresses.contains(address) { addresses.append(address) }
            listeners.append(SiteListener(address: address, port: port, service: "mail", application: application,
                                          starttls: !implicit))
        }
        record(block, at: location, level: level, ports: ports, addresses: addresses, listeners: listeners,
               noTLSHint: "'listen ... ssl' or 'starttls on'", into: &collector)
    }

    /// The protocol nginx assumes for a mail port without `protocol`.
    static func mailProtocol(port: UInt16) -> String? {
        switch port {
        case 143, 993: return "imap"
        case 110, 995: return "pop3"
        case 25, 465, 587: return "smtp"
        default: return nil
        }
    }

    /// One site per certificate the server serves on `ports`.
    private func record(_ block: [Directive], at location: ConfigLocation, level: Inherited, ports: [UInt16], addresses: [String],
                        listeners: [SiteListener], noTLSHint: String, into collector: inout SiteCollector) {
        let ownCertificates = block.contains { $0.name == "ssl_certificate" }
        // Inherited certificates matter only where this server speaks TLS.
        if ports.isEmpty && !ownCertificates { return }
        if level.certificates.isEmpty {
            collector.warnings.append(ConfigWarning(location, "server listens with TLS on port(s) "
                + ports.map(String.init).joined(separator: ",") + " but has no ssl_certificate"))
            return
        }
        if ports.isEmpty {
            collector.warnings.append(ConfigWarning(location, "server has ssl_certificate but no \(noTLSHint); the certificate is not served"))
        }
        let names = block.filter { $0.name == "server_name" }.flatMap(\.args).filter { $0 != "_" && !$0.isEmpty }
        for (index, certificate) in level.certificates.enumerated() {
            let key = index < level.keys.count ? level.keys[index] : nil
            guard var site = makeSite(certificate: certificate, key: key, directive: "ssl_certificate",
                                      into: &collector) else { continue }
            site.names = names
            site.ports = ports
            site.addresses = addresses
            site.listeners = listeners
            collector.sites.append(site)
        }
    }

    /// Client certificates toward upstreams, from a server block and the
    /// locations in it; one site per certificate directive, naming the
    /// first upstream it is presented to.
    private func upstreams(_ block: [Directive], level: Inherited, context: Context, into collector: inout SiteCollector) {
        func visit(_ directives: [Directive], _ level: Inherited) {
            for (prefix, module) in Self.upstreamModules {
                guard let pass = directives.last(where: { $0.name == module.pass })?.args.first,
                      let certificate = level.upstreamCertificates[prefix] else { continue }
                let tls = context == .stream ? level.streamProxySSL : module.schemes.contains { pass.lowercased().hasPrefix($0) }
                guard tls, collector.upstreamDirectives.insert(certificate.location).inserted else { continue }
                guard var site = makeSite(certificate: certificate, key: level.upstreamKeys[prefix],
                                          directive: prefix + "_ssl_certificate", into: &collector) else { continue }
                site.role = .client
                site.roleDetail = "\(module.pass) \(pass)"
                collector.sites.append(site)
            }
            for d in directives where ["location", "if", "limit_except"].contains(d.name) {
                if let inner = d.block { visit(inner, level.merged(with: inner)) }
            }
        }
        visit(block, level)
    }

    /// A site for `certificate` with its key, warning about variables and
    /// missing files; nil when nginx resolves the path at run time.
    private func makeSite(certificate: (path: String, location: ConfigLocation), key: String?, directive: String,
                          into collector: inout SiteCollector) -> ConfigSite? {
        let (cert, certLocation) = certificate
        if cert.contains("$") {
            collector.warnings.append(ConfigWarning(certLocation, "\(directive) \(cert) uses variables; not followed"))
            return nil
        }
        // `data:` holds the PEM inline: no file to scan.
        if cert.hasPrefix("data:") { return nil }
        let certPath = ConfigFiles.resolve(cert, relativeTo: collector.confDir)
        if !ConfigFiles.exists(certPath) {
            collector.warnings.append(ConfigWarning(certLocation, "\(directive) file \(certPath) does not exist"))
        }
        var keyPath: String?
        if let key, !key.hasPrefix("data:"), !key.hasPrefix("engine:"), !key.hasPrefix("store:") {
            let path = ConfigFiles.resolve(key, relativeTo: collector.confDir)
            keyPath = path
            if !ConfigFiles.exists(path) {
                collector.warnings.append(ConfigWarning(certLocation, "\(directive)_key file \(path) does not exist"))
            }
        } else if key == nil {
            collector.warnings.append(ConfigWarning(certLocation, "no \(directive)_key for \(cert)"))
        }
        return ConfigSite(server: .nginx, location: certLocation, names: [], ports: [], addresses: [],
                          certPath: certPath, keyPath: keyPath)
    }
}
