internal import Foundation

/// The server in front of clm, as far as it is known: from its config (the
/// directives and their `file:line`), else from its greeting, else from the
/// port (web or mail).
public struct ServerHint: Sendable, Hashable {
    /// `postfix`, `dovecot`, `nginx`, `haproxy`.
    public var software: String
    /// Directive name → where it is set (`/etc/postfix/main.cf:41`).
    public var directives: [String: String]

    public init(software: String, directives: [String: String] = [:]) {
        self.software = software.lowercased()
        self.directives = directives
    }

    /// The hint for `port` from configs that clm read, with its directives:
    /// the site for `serverName` (a Dovecot `local_name`, a Postfix SNI map
    /// entry) when the client sends that SNI, else the port's default site.
    public static func from(sites: [ConfigSite], port: UInt16, serverName: String? = nil) -> ServerHint? {
        let serving = sites.filter { $0.role == .server && $0.ports.contains(port) }
        let named = serverName.map { $0.lowercased() }.flatMap { name in
            serving.first { $0.names.contains { $0.lowercased() == name } }
        }
        guard let site = named ?? serving.first(where: { $0.names.isEmpty }) ?? serving.first else { return nil }
        var directives: [String: String] = [:]
        for directive in site.directives { directives[directive.name] = directive.location.description }
        // The site's own certificate line wins over inherited ones (a local_name block's ssl_cert over the global).
        if site.server == .postfix {
            if directives["smtpd_tls_cert_file"] == nil { directives["certificate"] = site.location.description }
        } else {
            directives["ssl_cert"] = site.location.description
        }
        return ServerHint(software: site.server.rawValue, directives: directives)
    }
}

/// Fix texts that name the directives of the server in front of clm:
/// Postfix and Dovecot on mail ports, nginx and HAProxy on web ports.
struct ServerAdvice {
    enum Kind { case nginxOrHAProxy, postfix, dovecot, mailUnknown }

    let kind: Kind
    let directives: [String: String]

    init(_ c: Context) {
        let software = c.options.server?.software ?? c.result.software?.lowercased()
        directives = c.options.server?.directives ?? [:]
        switch software {
        case "postfix": kind = .postfix
        case "dovecot": kind = .dovecot
        case "nginx", "haproxy": kind = .nginxOrHAProxy
        default: kind = c.result.target.sessionProtocol != nil ? .mailUnknown : .nginxOrHAProxy
        }
    }

    /// `smtpd_tls_protocols (/etc/postfix/main.cf:41)` when clm read where it is set.
    func name(_ directive: String) -> String {
        directives[directive].map { "\(directive) (set at \($0))" } ?? directive
    }

    /// Where the certificate is configured, when known.
    private var certificateLine: String {
        guard let line = directives["smtpd_tls_chain_files"] ?? directives["smtpd_tls_cert_file"] ?? directives["certificate"]
                ?? directives["ssl_cert"] else { return "" }
        return " (the certificate is configured at \(line))"
    }

    var fullChain: String {
        switch kind {
        case .nginxOrHAProxy:
            return "Serve the full chain: nginx ssl_certificate must point at fullchain.pem (leaf + intermediates); "
                + "HAProxy's crt PEM must hold leaf, intermediates and key."
        case .postfix:
            return "Serve the full chain: Postfix \(name("smtpd_tls_chain_files")) = the key, then the leaf and its intermediates, "
                + "or \(name("smtpd_tls_cert_file")) pointing at fullchain.pem\(certificateLine); then `postfix reload`."
        case .dovecot:
            return "Serve the full chain: Dovecot \(name("ssl_cert")) = </path/fullchain.pem (leaf + intermediates)\(certificateLine); "
                + "then `doveadm reload`."
        case .mailUnknown:
            return "Serve the full chain (leaf + intermediates): Postfix smtpd_tls_chain_files (key, leaf, intermediates) or "
                + "smtpd_tls_cert_file = fullchain.pem; Dovecot ssl_cert = </path/fullchain.pem."
        }
    }

    var chainOrder: String {
        let order = "leaf first, then each issuer in turn (RFC 8446 §4.4.2); remove certificates that do not belong; "
            + "strict clients (older Java, some IoT stacks) refuse it."
        switch kind {
        case .nginxOrHAProxy: return "Order the chain file " + order
        case .postfix: return "Order \(name("smtpd_tls_chain_files")): the key, then the " + order
        case .dovecot: return "Order the file of \(name("ssl_cert")): " + order
        case .mailUnknown: return "Order the chain (Postfix smtpd_tls_chain_files: key, then leaf; Dovecot ssl_cert file): " + order
        }
    }

    var modernProtocols: String {
        switch kind {
        case .nginxOrHAProxy:
            return "Disable TLS 1.0/1.1 (RFC 8996): nginx ssl_protocols TLSv1.2 TLSv1.3; HAProxy ssl-default-bind-options ssl-min-ver TLSv1.2."
        case .postfix:
            return "Disable TLS 1.0/1.1 (RFC 8996): Postfix \(name("smtpd_tls_protocols")) = >=TLSv1.2 and "
                + "\(name("smtpd_tls_mandatory_protocols")) = >=TLSv1.2."
        case .dovecot:
            return "Disable TLS 1.0/1.1 (RFC 8996): Dovecot \(name("ssl_min_protocol")) = TLSv1.2."
        case .mailUnknown:
            return "Disable TLS 1.0/1.1 (RFC 8996): Postfix smtpd_tls_protocols = >=TLSv1.2 (and smtpd_tls_mandatory_protocols); "
                + "Dovecot ssl_min_protocol = TLSv1.2."
        }
    }

    var enableModernProtocols: String {
        switch kind {
        case .nginxOrHAProxy:
            return "Enable TLS 1.2 and 1.3 (nginx ssl_protocols TLSv1.2 TLSv1.3; HAProxy ssl-min-ver TLSv1.2); "
                + "current clients refuse TLS 1.0/1.1 (RFC 8996)."
        default:
            return "Enable TLS 1.2 and 1.3; current clients refuse TLS 1.0/1.1 (RFC 8996). " + modernProtocols
        }
    }

    var relaxClientCertificate: String {
        switch kind {
        case .nginxOrHAProxy:
            return "relax the server (nginx ssl_verify_client optional; HAProxy verify optional)."
        case .postfix:
            return "relax Postfix: \(name("smtpd_tls_req_ccert")) = no (keep \(name("smtpd_tls_ask_ccert")) = yes to still ask)."
        case .dovecot:
            return "relax Dovecot: \(name("ssl_verify_client_cert")) = no, or \(name("auth_ssl_require_client_cert")) = no."
        case .mailUnknown:
            return "relax the server (Postfix smtpd_tls_req_ccert = no; Dovecot ssl_verify_client_cert / auth_ssl_require_client_cert = no)."
        }
    }
}
