internal import CLMDeploy
public import CLMInventory
internal import Foundation

/// `clm adopt`: turns a discovered certificate into a managed entry (a
/// `conf.d/NAME.yaml` drop-in) with its names, key type and the deploy
/// paths of the nginx / HAProxy sites that use its files.
public struct Adopter: Sendable {
    public struct Proposal: Sendable {
        public let name: String
        public let domains: [String]
        public let keyType: String
        public let yaml: String
        /// Things the operator should look at (file names nginx must point to ...).
        public let warnings: [String]
    }

    public init() {}

    public func propose(_ certificate: InventoryCertificate, sites: [SiteRecord], name: String?, challengeYAML: String) throws(LifecycleError) -> Proposal {
        let facts = certificate.facts
        var domains = facts.subjectAlternativeNames.filter { $0.kind == .dns || $0.kind == .ip }.map(\.value)
        if domains.isEmpty, let cn = facts.subjectCN { domains = [cn] }
        guard !domains.isEmpty else { throw .notConfigured("certificate \(certificate.id) has no DNS names or IP addresses to request") }
        let keyType = Self.keyType(algorithm: facts.keyAlgorithm, bits: facts.keyBits, curve: facts.keyCurve)
        let chosen = name ?? Self.name(from: domains[0])
        guard ConfigLoader.isUsableName(chosen) else {
            throw .notConfigured("--name '\(chosen)' is not usable as a file name: letters, digits, '-', '_', '.' only, not starting with '.'")
        }
        let files = Set(certificate.locations.filter { $0.kind == .file && $0.goneSince == nil }.map(\.ref))
        // An OCSP issuer is a CA certificate, not something to renew in place.
        let using = sites.filter { site in site.role != "ocsp-issuer" && (site.certificatePath.map(files.contains) ?? false) }
        var warnings: [String] = []
        var targets: [String] = []
        for site in using {
            guard let certificatePath = site.certificatePath else { continue }
            // A client certificate's listen entries are the backend's
            // address, which answers with its own certificate.
            let verify = site.role == "server" ? site.listen.first.map(Self.verifyEndpoint) : nil
            let verifyLine = verify.map { "\n        verify: \(Self.quote($0))" } ?? ""
            switch site.source {
            case "nginx":
                let directory = (certificatePath as NSString).deletingLastPathComponent
                targets.append("      - target: nginx\n        dir: \(Self.quote(directory))\(verifyLine)" + Self.commands(site))
                let name = (certificatePath as NSString).lastPathComponent
                if name != "fullchain.pem" || (site.keyPath.map { ($0 as NSString).lastPathComponent != "privkey.pem" } ?? false) {
                    warnings.append("\(site.configFile):\(site.configLine) uses \(certificatePath)\(site.keyPath.map { " and " + $0 } ?? ""); clm writes \(directory)/fullchain.pem and privkey.pem: point ssl_certificate / ssl_certificate_key there before the first deploy")
                }
            case "haproxy":
                targets.append("      - target: haproxy\n        path: \(Self.quote(certificatePath))\n        reload: command\(verifyLine)" + Self.commands(site))
            case "postfix", "dovecot":
                let (target, warning) = Self.mailTarget(site, certificatePath: certificatePath)
                targets.append(target)
                if let warning { warnings.append(warning) }
            default:
                continue
            }
        }
        if targets.isEmpty {
            warnings.append("no nginx, HAProxy, Postfix or Dovecot site in the inventory uses this certificate's files (scan with --nginx / --haproxy / --postfix / --dovecot); add `deploy:` targets by hand")
        }
        var yaml = "# Adopted from inventory certificate \(certificate.id) (\(facts.fingerprintSHA256.prefix(16))…) by clm adopt.\n"
        yaml += "certificates:\n  - name: \(Self.quote(chosen))\n    domains: [\(domains.map(Self.quote).joined(separator: ", "))]\n"
        yaml += "    key: \(keyType)\n    challenge: \(challengeYAML)\n"
        if !targets.isEmpty { yaml += "    deploy:\n" + targets.joined(separator: "\n") + "\n" }
        return Proposal(name: chosen, domains: domains, keyType: keyType, yaml: yaml, warnings: warnings)
    }

    /// Writes the proposal to `conf.d/NAME.yaml` beside the config (never
    /// over an existing file), then checks the whole config still loads;
    /// if not, the drop-in is removed again and the error returned.
    public func write(_ proposal: Proposal, configPath: String) throws(LifecycleError) -> String {
        let directory = ConfigLoader.dropInDirectory(for: configPath)
        let path = directory + "/" + proposal.name + ".yaml"
        do {
            try FileOps.makeDirectories(directory, mode: 0o755)
            try FileOps.writeNew(path, Array(proposal.yaml.utf8), mode: 0o644, ownership: .unchanged)
        } catch {
            throw .files(error)
        }
        if FileManager.default.fileExists(atPath: configPath) {
            do { _ = try ConfigLoader().load(path: configPath) } catch {
                unlink(path)
                throw .notConfigured("the adopted entry does not fit the config, nothing written: \(error)")
            }
        }
        return path
    }

    /// A `target: postfix` / `target: dovecot` entry for a mail site: the
    /// directory of its files (or, for a Postfix file holding key and chain,
    /// that file), the config it was read from for check and reload, and
    /// one verify entry per port with its STARTTLS or implicit TLS.
    static func mailTarget(_ site: SiteRecord, certificatePath: String) -> (yaml: String, warning: String?) {
        let postfix = site.source == "postfix"
        let directory = (certificatePath as NSString).deletingLastPathComponent
        var lines = ["      - target: \(site.source)"]
        var warning: String?
        if postfix && site.keyPath == certificatePath {
            lines.append("        path: \(quote(certificatePath))")
        } else {
            lines.append("        dir: \(quote(directory))")
            let names = ((certificatePath as NSString).lastPathComponent, site.keyPath.map { ($0 as NSString).lastPathComponent })
            if names.0 != "fullchain.pem" || (names.1 != nil && names.1 != "privkey.pem")
                || site.keyPath.map({ ($0 as NSString).deletingLastPathComponent != directory }) ?? false {
                let directives = postfix ? "smtpd_tls_chain_files = \(directory)/privkey.pem, \(directory)/fullchain.pem (or smtpd_tls_cert_file / smtpd_tls_key_file)"
                                         : "ssl_cert = <\(directory)/fullchain.pem and ssl_key = <\(directory)/privkey.pem"
                warning = "\(site.configFile):\(site.configLine) uses \(certificatePath)\(site.keyPath.map { " and " + $0 } ?? ""); clm writes "
                    + "\(directory)/fullchain.pem and privkey.pem: set \(directives) before the first deploy"
            }
        }
        // A config outside the default place: check and reload that instance.
        let configDirectory = (site.configFile as NSString).deletingLastPathComponent
        if postfix && configDirectory != "/etc/postfix" {
            lines.append("        check: [postfix, -c, \(quote(configDirectory)), check]")
            lines.append("        reload: [postfix, -c, \(quote(configDirectory)), reload]")
        } else if !postfix {
            var main = site.configFile
            if (main as NSString).lastPathComponent != "dovecot.conf" {
                let parent = (configDirectory as NSString).deletingLastPathComponent
                main = ((configDirectory as NSString).lastPathComponent == "conf.d" ? parent : configDirectory) + "/dovecot.conf"
            }
            if main != "/etc/dovecot/dovecot.conf" {
                lines.append("        check: [doveconf, -c, \(quote(main)), -n]")
                lines.append("        reload: [doveadm, -c, \(quote(main)), reload]")
            }
        }
        let endpoints = site.listen.map { entry -> String in
            let words = entry.split(separator: " ", maxSplits: 1).map(String.init)
            return verifyEndpoint(words[0]) + (words.count > 1 ? " " + words[1] : "")
        }
        if !endpoints.isEmpty {
            lines.append("        verify:")
            lines += endpoints.map { "          - \(quote($0))" }
        }
        return (lines.joined(separator: "\n"), warning)
    }

    /// check / reload lines naming the main config the site was found
    /// through, when that is not the server's default (which the target's
    /// defaults already use): `nginx -c FILE -t`, `haproxy -c -f FILE`.
    static func commands(_ site: SiteRecord) -> String {
        guard let main = site.mainConfig else { return "" }
        func list(_ argv: [String]) -> String { "[" + argv.map(quote).joined(separator: ", ") + "]" }
        switch site.source {
        case "nginx" where main != "/etc/nginx/nginx.conf":
            return "\n        check: \(list(["nginx", "-c", main, "-t"]))\n        reload: \(list(["nginx", "-c", main, "-s", "reload"]))"
        case "haproxy" where main != "/etc/haproxy/haproxy.cfg":
            return "\n        check: \(list(["haproxy", "-c", "-f", main]))"
        default:
            return ""
        }
    }

    /// Where to verify a site listening on `listen` ("443", "10.0.0.5:443", "[::1]:443", "*:443"):
    /// its own address, or 127.0.0.1 when it listens on every address.
    static func verifyEndpoint(_ listen: String) -> String {
        guard let colon = listen.lastIndex(of: ":") else { return "127.0.0.1:" + listen.filter(\.isNumber) }
        let host = String(listen[..<colon])
        let port = listen[listen.index(after: colon)...].filter(\.isNumber)
        let wildcard = ["", "*", "0.0.0.0", "[::]", "::"].contains(host)
        return (wildcard ? "127.0.0.1" : host) + ":" + port
    }

    static func keyType(algorithm: String, bits: Int?, curve: String?) -> String {
        if algorithm.uppercased().contains("RSA") {
            switch bits ?? 2048 {
            case ..<3072: return "rsa-2048"
            case ..<4096: return "rsa-3072"
            default: return "rsa-4096"
            }
        }
        if let curve, curve.contains("384") { return "ec-p384" }
        return "ec-p256"
    }

    static func name(from domain: String) -> String {
        let trimmed = domain.hasPrefix("*.") ? "wildcard." + domain.dropFirst(2) : domain
        return String(trimmed.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
    }

    /// A YAML double-quoted scalar (JSON string syntax is valid YAML).
    static func quote(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
    }
}
