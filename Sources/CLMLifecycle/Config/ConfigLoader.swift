internal import CLMDeploy
internal import Foundation
internal import Yams
internal import CLMCrypto
internal import CLMCore

/// Reads and validates clm.yaml and its `conf.d/*.yaml` drop-ins.
///
/// Unknown keys are errors (a typo must not silently disable a deploy
/// step); every error names the file, the line and the key.
public struct ConfigLoader: Sendable {
    public static let defaultPath = "/etc/clm/clm.yaml"

    public init() {}

    /// `--config`, else `CLM_CONFIG`, else /etc/clm/clm.yaml.
    public static func resolvePath(option: String?, environment: [String: String]) -> String {
        if let option, !option.isEmpty { return option }
        if let env = environment["CLM_CONFIG"], !env.isEmpty { return env }
        return defaultPath
    }

    /// The drop-in directory of a config file: `conf.d` beside it.
    public static func dropInDirectory(for path: String) -> String {
        (path as NSString).deletingLastPathComponent.isEmpty ? "conf.d" : (path as NSString).deletingLastPathComponent + "/conf.d"
    }

    public func load(path: String) throws(ConfigError) -> ClmConfig {
        var config = try parseMain(try document(path))
        let dropIns = Self.dropInDirectory(for: path)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dropIns)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        for name in names {
            let file = dropIns + "/" + name
            let fields = try document(file).mapping(allowed: ["certificates"])
            config.files.append(file)
            guard let list = fields["certificates"] else { continue }
            config.certificates += try list.sequence().map { (item) throws(ConfigError) -> ManagedCertificate in
                try parseCertificate(item, defaults: config.renew)
            }
        }
        try checkWhole(config, file: path)
        return config
    }

    /// Parses YAML text (tests, benchmarks); no drop-ins.
    public func load(yaml: String, file: String) throws(ConfigError) -> ClmConfig {
        let config = try parseMain(try compose(yaml, file: file))
        try checkWhole(config, file: file)
        return config
    }

    private func parseMain(_ root: YAMLField) throws(ConfigError) -> ClmConfig {
        let top = try root.mapping(allowed: ["acme", "renew", "hooks", "notify", "inventory", "certificates"])
        var config = ClmConfig(acme: nil, certificates: [], files: [root.file])
        if let acme = top["acme"] { config.acme = try parseACME(acme) }
        if let renew = top["renew"] { config.renew = try parseRenew(renew) }
        if let hooks = top["hooks"] { config.hooks = try parseHooks(hooks, global: true) }
        if let notify = top["notify"] { config.notify = try parseNotify(notify) }
        if let inventory = top["inventory"] { config.inventory = try parseInventory(inventory) }
        if let list = top["certificates"] {
            config.certificates = try list.sequence().map { (item) throws(ConfigError) -> ManagedCertificate in
                try parseCertificate(item, defaults: config.renew)
            }
        }
        return config
    }

    /// A certificate name is used as a file name (conf.d/NAME.yaml, STATE/certificates/NAME).
    public static func isUsableName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) && !name.hasPrefix(".")
    }

    private func checkWhole(_ config: ClmConfig, file: String) throws(ConfigError) {
        var seen: [String: String] = [:]
        for certificate in config.certificates {
            if let first = seen[certificate.name] {
                let (originFile, originLine) = Self.split(certificate.origin)
                throw ConfigError(file: originFile, line: originLine, key: "name",
                                  message: "certificate '\(certificate.name)' is declared twice (first at \(first))")
            }
            seen[certificate.name] = certificate.origin
        }
        // Two deploys to one dir or file would overwrite each other's set (and each other's rollback versions).
        var targets: [String: (name: String, origin: String)] = [:]
        for certificate in config.certificates {
            for target in certificate.targets {
                let path = (target.path as NSString).standardizingPath
                if let first = targets[path] {
                    let (originFile, originLine) = Self.split(certificate.origin)
                    let whose = first.name == certificate.name ? "it already deploys there" : "certificate '\(first.name)' (\(first.origin)) deploys there too"
                    throw ConfigError(file: originFile, line: originLine, key: "deploy",
                                      message: "certificate '\(certificate.name)' deploys to \(path), but \(whose); give each certificate its own dir / path")
                }
                targets[path] = (certificate.name, certificate.origin)
            }
        }
        if config.acme == nil && !config.certificates.isEmpty {
            throw ConfigError(file: file, line: 0, key: "acme", message: "missing: certificates need an `acme: { server: URL }` section")
        }
    }

    static func split(_ origin: String) -> (String, Int) {
        guard let colon = origin.lastIndex(of: ":"), let line = Int(origin[origin.index(after: colon)...]) else { return (origin, 0) }
        return (String(origin[..<colon]), line)
    }

    private func document(_ path: String) throws(ConfigError) -> YAMLField {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read it (permissions?)" : "no such file (write one, or pass --config / set CLM_CONFIG)"
            throw ConfigError(file: path, line: 0, key: "", message: reason)
        }
        return try compose(String(decoding: data, as: UTF8.self), file: path)
    }

    private func compose(_ text: String, file: String) throws(ConfigError) -> YAMLField {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            var line = 0
            if case .scanner(_, _, let mark, _) = error as? YamlError { line = mark.line }
            if case .parser(_, _, let mark, _) = error as? YamlError { line = mark.line }
            throw ConfigError(file: file, line: line, key: "", message: "not valid YAML: \(error)")
        }
        guard let node else { return YAMLField(node: .mapping([:]), file: file, key: "") }
        return YAMLField(node: node, file: file, key: "")
    }

    private func parseACME(_ field: YAMLField) throws(ConfigError) -> ACMESettings {
        let f = try field.mapping(allowed: ["server", "staging_server", "email", "ca_file", "eab"])
        guard let serverField = f["server"] else { throw field.error("`server` (the ACME directory URL) is required") }
        let server = try url(serverField)
        var settings = ACMESettings(server: server)
        if let staging = f["staging_server"] { settings.stagingServer = try url(staging) }
        if let email = f["email"] {
            settings.email = try email.strings()
            for address in settings.email where !address.contains("@") { throw email.error("'\(address)' is not an e-mail address") }
        }
        if let ca = f["ca_file"] { settings.caFile = try ca.string() }
        if let eab = f["eab"] {
            let e = try eab.mapping(allowed: ["kid", "hmac_key"])
            guard let kid = e["kid"], let key = e["hmac_key"] else { throw eab.error("needs both `kid` and `hmac_key`") }
            settings.eabKeyID = try kid.string()
            settings.eabHMACKey = try key.string()
            guard Base64URL.decode(settings.eabHMACKey ?? "") != nil else { throw key.error("not base64url") }
        }
        return settings
    }

    private func url(_ field: YAMLField) throws(ConfigError) -> String {
        let text = try field.string()
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else { throw field.error("expected an https:// URL") }
        return text
    }

    private func parseRenew(_ field: YAMLField) throws(ConfigError) -> RenewDefaults {
        let f = try field.mapping(allowed: ["due", "concurrency", "jitter", "hook_timeout", "keep"])
        var renew = RenewDefaults()
        if let due = f["due"] { renew.dueSeconds = try due.duration() }
        if let concurrency = f["concurrency"] { renew.concurrency = try concurrency.int(1...256) }
        if let jitter = f["jitter"] { renew.jitterSeconds = try jitter.duration() }
        if let timeout = f["hook_timeout"] { renew.hookTimeoutSeconds = Double(try timeout.duration()) }
        if let keep = f["keep"] { renew.keep = try keep.int(1...100) }
        return renew
    }

    private func parseInventory(_ field: YAMLField) throws(ConfigError) -> InventorySettings {
        let f = try field.mapping(allowed: ["url", "password_file", "host_id", "fleet_key", "lease", "lease_wait"])
        var settings = InventorySettings()
        if let url = f["url"] {
            let text = try url.string()
            guard text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") else {
                throw url.error("a shared inventory is a postgresql://... URL (the SQLite file is chosen with --db)")
            }
            settings.url = text
        }
        if let file = f["password_file"] { settings.passwordFile = try file.string() }
        if let host = f["host_id"] {
            let text = try host.string()
            guard !text.isEmpty, text.count <= 253, !text.contains(where: { $0.isWhitespace || $0.isNewline }) else {
                throw host.error("a host id is a non-empty name without spaces")
            }
            settings.hostID = text
        }
        if let key = f["fleet_key"] { settings.fleetKey = try key.string() }
        if let lease = f["lease"] { settings.leaseSeconds = Int(try lease.duration()) }
        if let wait = f["lease_wait"] { settings.leaseWaitSeconds = Int(try wait.duration()) }
        guard settings.leaseSeconds >= 10 else { throw field.error("`lease` must be at least 10s") }
        return settings
    }

    private func parseNotify(_ field: YAMLField) throws(ConfigError) -> NotifySettings {
        let f = try field.mapping(allowed: ["webhook", "command", "timeout"])
        var notify = NotifySettings()
        if let webhook = f["webhook"] { notify.webhook = try url(webhook) }
        if let command = f["command"] { notify.command = try command.argv() }
        if let timeout = f["timeout"] { notify.timeoutSeconds = Double(try timeout.duration()) }
        guard notify.webhook != nil || notify.command != nil else { throw field.error("give `webhook`, `command` or both") }
        return notify
    }

    private func parseHooks(_ field: YAMLField, global: Bool = false) throws(ConfigError) -> HookSet {
        let f = try field.mapping(allowed: global ? ["pre", "deploy", "post", "pass_env"] : ["pre", "deploy", "post"])
        var hooks = HookSet()
        if let passEnv = f["pass_env"] {
            hooks.passEnv = try passEnv.strings()
            for name in hooks.passEnv where !HookEnvironment.isPassable(name) {
                throw passEnv.error(name == "CLM_CRASH_AT" ? "'CLM_CRASH_AT' is clm's crash injection for tests and cannot be passed to hooks"
                                                           : "'\(name)' is not an environment variable name")
            }
        }
        if let pre = f["pre"] { hooks.pre = try pre.argvs() }
        if let deploy = f["deploy"] { hooks.deploy = try deploy.argvs() }
        if let post = f["post"] { hooks.post = try post.argvs() }
        return hooks
    }

    private func parseCertificate(_ field: YAMLField, defaults: RenewDefaults) throws(ConfigError) -> ManagedCertificate {
        let f = try field.mapping(allowed: ["name", "domains", "key", "challenge", "preferred_chain", "deploy", "hooks"])
        guard let nameField = f["name"] else { throw field.error("`name` is required") }
        let name = try nameField.string()
        guard Self.isUsableName(name) else {
            throw nameField.error("'\(name)' is not usable as a file name: letters, digits, '-', '_', '.' only")
        }
        guard let domainsField = f["domains"] else { throw field.error("`domains` is required") }
        let domains = try domainsField.strings()
        for domain in domains where domain.contains(" ") || domain.contains("/") {
            throw domainsField.error("'\(domain)' is not a DNS name or IP address")
        }
        var keyType = KeyType.ecP256
        if let keyField = f["key"] {
            let text = try keyField.string()
            guard let parsed = KeyType(rawValue: text.lowercased()) else {
                throw keyField.error("unknown key type '\(text)' (use \(KeyType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            keyType = parsed
        }
        guard let challengeField = f["challenge"] else { throw field.error("`challenge` is required") }
        let challenge = try parseChallenge(challengeField)
        var certificate = ManagedCertificate(name: name, domains: domains, keyType: keyType, challenge: challenge,
                                             origin: "\(field.file):\(field.line)")
        if let chain = f["preferred_chain"] { certificate.preferredChain = try chain.string() }
        if let deploy = f["deploy"] {
            certificate.targets = try deploy.sequence().map { (item) throws(ConfigError) -> DeployTarget in
                try parseTarget(item, domains: domains, defaults: defaults)
            }
        }
        if let hooks = f["hooks"] { certificate.hooks = try parseHooks(hooks) }
        return certificate
    }

    private func parseChallenge(_ field: YAMLField) throws(ConfigError) -> ChallengeSettings {
        let f = try field.mapping(allowed: ["type", "webroot", "standalone", "hook", "propagation_wait"])
        guard let typeField = f["type"] else { throw field.error("`type` is required (http-01 or dns-01)") }
        switch try typeField.string() {
        case "http-01":
            if f["hook"] != nil || f["propagation_wait"] != nil { throw field.error("`hook` / `propagation_wait` are for dns-01") }
            if let webroot = f["webroot"] {
                if f["standalone"] != nil { throw field.error("give either `webroot` or `standalone`, not both") }
                return .webroot(try webroot.string())
            }
            guard let standalone = f["standalone"] else { throw field.error("http-01 needs `webroot: DIR` or `standalone: { port: 80 }`") }
            let s = try standalone.mapping(allowed: ["port", "address"])
            let port = try s["port"]?.int(1...65535) ?? 80
            let address = try s["address"]?.string() ?? "0.0.0.0"
            return .standalone(address: address, port: port)
        case "dns-01":
            if f["webroot"] != nil || f["standalone"] != nil { throw field.error("`webroot` / `standalone` are for http-01") }
            guard let hook = f["hook"] else { throw field.error("dns-01 needs `hook: /path/to/executable`") }
            return .dnsHook(hook: try hook.string(), propagationSeconds: try f["propagation_wait"]?.duration() ?? 0)
        case let other:
            throw typeField.error("unknown challenge type '\(other)' (use http-01 or dns-01)")
        }
    }

    private func parseTarget(_ field: YAMLField, domains: [String], defaults: RenewDefaults) throws(ConfigError) -> DeployTarget {
        let f = try field.mapping(allowed: ["target", "dir", "path", "reload", "check", "command", "socket", "verify", "verify_sni",
                                            "owner", "group", "keep", "hook", "env"])
        guard let kindField = f["target"] else { throw field.error("`target` is required (nginx, haproxy, postfix or dovecot)") }
        let label = try kindField.string()
        var target: DeployTarget
        switch label {
        case "postfix", "dovecot": target = try mailTarget(label, f, field)
        case "nginx": target = try nginxTarget(f, field)
        case "haproxy": target = try haproxyTarget(f, field)
        default: throw kindField.error("unknown target '\(label)' (use nginx, haproxy, postfix or dovecot)")
        }
        if let verify = f["verify"] {
            let sni = try f["verify_sni"]?.string() ?? domains.first { !$0.hasPrefix("*.") && Int($0.prefix(1)) == nil }
            let entries = verify.node.sequence != nil ? try verify.sequence() : [verify]
            target.verifyEndpoints = try entries.map { (entry) throws(ConfigError) -> VerifyEndpoint in
                try Self.verifyEndpoint(try entry.string(), sni: sni, field: entry)
            }
        }
        if let owner = f["owner"] { target.owner = try owner.string() }
        if let group = f["group"] { target.group = try group.string() }
        target.keep = try f["keep"]?.int(1...100) ?? defaults.keep
        if let env = f["env"] { target.environment = try hookVariables(env) }
        return target
    }

    private func nginxTarget(_ f: [String: YAMLField], _ field: YAMLField) throws(ConfigError) -> DeployTarget {
        guard let dir = f["dir"] else { throw field.error("an nginx target needs `dir: /etc/nginx/tls/NAME`") }
        if f["path"] != nil { throw f["path"]!.error("nginx targets take `dir`; `path` is for haproxy") }
        if f["socket"] != nil { throw f["socket"]!.error("`socket` is for haproxy runtime-api") }
        let path = try absolute(dir)
        var check: Argv = ["nginx", "-t"]
        var reload: Argv = ["nginx", "-s", "reload"]
        if let c = f["check"] { check = try c.argv() }
        if let r = f["reload"] {
            if r.node.scalar?.string == "none" { reload = [] } else { reload = try r.argv() }
        }
        if f["command"] != nil { throw f["command"]!.error("nginx targets take `reload: [argv]`") }
        if let hook = f["hook"] {
            if f["check"] != nil || f["reload"] != nil { throw hook.error("give either `hook` or `check` / `reload`, not both") }
            let path = try hookPath(hook)
            check = [path, "check"]
            reload = [path, "reload"]
        }
        return DeployTarget(kind: .directory(path), label: "nginx", reload: reload.isEmpty ? .none : .command(check: check, reload: reload))
    }

    private func haproxyTarget(_ f: [String: YAMLField], _ field: YAMLField) throws(ConfigError) -> DeployTarget {
        guard let pathField = f["path"] else { throw field.error("a haproxy target needs `path: /etc/haproxy/certs/NAME.pem`") }
        if f["dir"] != nil { throw f["dir"]!.error("haproxy targets take `path` (one combined PEM); `dir` is for nginx") }
        let path = try absolute(pathField)
        let mode = try f["reload"]?.string() ?? "command"
        if mode != "command", let hook = f["hook"] { throw hook.error("`hook` goes with reload: command") }
        switch mode {
        case "runtime-api":
            guard let socket = f["socket"] else { throw field.error("`socket` is required with reload: runtime-api (the stats socket with level admin)") }
            if let character = HAProxyRuntimeAPI.unsafePathCharacter(in: path) {
                throw pathField.error("contains \(character.debugDescription); HAProxy's runtime API cannot name such a path in `set ssl cert` (rename the file)")
            }
            return DeployTarget(kind: .combinedFile(path), label: "haproxy", reload: .haproxyRuntimeAPI(socket: try socket.string()))
        case "command":
            var check = try f["check"]?.argv() ?? ["haproxy", "-c", "-f", "/etc/haproxy/haproxy.cfg"]
            var reload = try f["command"]?.argv() ?? ["systemctl", "reload", "haproxy"]
            if let hook = f["hook"] {
                if f["check"] != nil || f["command"] != nil { throw hook.error("give either `hook` or `check` / `command`, not both") }
                let path = try hookPath(hook)
                check = [path, "check"]
                reload = [path, "reload"]
            }
            return DeployTarget(kind: .combinedFile(path), label: "haproxy", reload: .command(check: check, reload: reload))
        case "none":
            return DeployTarget(kind: .combinedFile(path), label: "haproxy", reload: .none)
        default:
            throw f["reload"]!.error("unknown reload '\(mode)' (use runtime-api, command or none)")
        }
    }

    /// A target's `env:`: CLM_* variables for its hooks (never CLM_CRASH_AT).
    private func hookVariables(_ env: YAMLField) throws(ConfigError) -> [String: String] {
        guard let mapping = env.node.mapping else { throw env.error("expected a mapping of CLM_* variables") }
        var variables: [String: String] = [:]
        for (keyNode, value) in mapping {
            let name = keyNode.scalar?.string ?? ""
            guard name.hasPrefix("CLM_"), name.allSatisfy({ ($0.isASCII && ($0.isUppercase || $0.isNumber)) || $0 == "_" }) else {
                throw env.error("'\(name)': hook variables must be named CLM_[A-Z0-9_]*")
            }
            guard name != "CLM_CRASH_AT" else { throw env.error("'CLM_CRASH_AT' is clm's crash injection for tests and cannot be set for hooks") }
            variables[name] = try env.child(name, value).string()
        }
        return variables
    }

    /// `target: postfix` (`dir:` for key + fullchain files, or `path:` for one
    /// combined file as smtpd_tls_chain_files reads it) and `target: dovecot`
    /// (`dir:`): `postfix check` + `postfix reload`, `doveconf -n` + `doveadm reload`
    /// unless `hook:` or `check:` / `reload:` say otherwise.
    private func mailTarget(_ label: String, _ f: [String: YAMLField], _ field: YAMLField) throws(ConfigError) -> DeployTarget {
        if let socket = f["socket"] { throw socket.error("`socket` is for haproxy runtime-api") }
        if let command = f["command"] { throw command.error("\(label) targets take `reload: [argv]`") }
        let kind: DeployTarget.Kind
        switch (f["dir"], f["path"]) {
        case (let dir?, nil): kind = .directory(try absolute(dir))
        case (nil, let path?) where label == "postfix": kind = .combinedFile(try absolute(path))
        case (nil, let path?): throw path.error("dovecot targets take `dir` (ssl_cert = </DIR/fullchain.pem, ssl_key = </DIR/privkey.pem)")
        case (_?, _?): throw field.error("give either `dir` or `path`, not both")
        case (nil, nil):
            throw field.error(label == "postfix"
                ? "a postfix target needs `dir: /etc/postfix/tls/NAME` (key + fullchain files) or `path: FILE` (one file for smtpd_tls_chain_files)"
                : "a dovecot target needs `dir: /etc/dovecot/tls/NAME`")
        }
        var check: Argv = label == "postfix" ? ["postfix", "check"] : ["doveconf", "-n"]
        var reload: Argv = label == "postfix" ? ["postfix", "reload"] : ["doveadm", "reload"]
        if let c = f["check"] { check = try c.argv() }
        if let r = f["reload"] {
            if r.node.scalar?.string == "none" { reload = [] } else { reload = try r.argv() }
        }
        if let hook = f["hook"] {
            if f["check"] != nil || f["reload"] != nil { throw hook.error("give either `hook` or `check` / `reload`, not both") }
            let path = try hookPath(hook)
            check = [path, "check"]
            reload = [path, "reload"]
        }
        return DeployTarget(kind: kind, label: label, reload: reload.isEmpty ? .none : .command(check: check, reload: reload))
    }

    /// `host:port [starttls=smtp|imap|pop3 | tls=smtp|imap|pop3] [sni=NAME]`,
    /// the `--targets` syntax; a bare mail port (25, 587, 143, 110) implies its STARTTLS.
    static func verifyEndpoint(_ text: String, sni: String?, field: YAMLField) throws(ConfigError) -> VerifyEndpoint {
        var words = text.split(separator: " ").map(String.init)
        let address = words.isEmpty ? "" : words.removeFirst()
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port) else {
            throw field.error("expected host:port, e.g. 127.0.0.1:443 or \"127.0.0.1:587 starttls=smtp\"")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var endpoint = VerifyEndpoint(host: host, port: port, serverName: sni, starttls: StartTLSProtocol.wellKnown(port: UInt16(port)))
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw field.error("unexpected '\(word)' (use starttls=PROTO, tls=PROTO or sni=NAME)") }
            switch parts[0] {
            case "starttls":
                guard let value = StartTLSProtocol(rawValue: parts[1]) else { throw field.error("starttls must be smtp, imap, pop3 or none") }
                endpoint.starttls = value
            case "tls":
                guard let value = StartTLSProtocol(rawValue: parts[1]), value != .none else { throw field.error("tls must be smtp, imap or pop3") }
                endpoint.starttls = .none
                endpoint.application = value
            case "sni": endpoint.serverName = parts[1]
            default: throw field.error("unknown option '\(parts[0])' (use starttls=, tls= or sni=)")
            }
        }
        return endpoint
    }

    /// `hook: PATH` — absolute, or relative to the config file's directory
    /// (`hook: Hooks/nginx` beside a clm.yaml in the source tree).
    private func hookPath(_ field: YAMLField) throws(ConfigError) -> String {
        let text = try field.string()
        guard !text.isEmpty else { throw field.error("empty hook path") }
        if text.hasPrefix("/") { return text }
        let base = (field.file as NSString).deletingLastPathComponent
        return base.isEmpty ? text : base + "/" + text
    }

    private func absolute(_ field: YAMLField) throws(ConfigError) -> String {
        let text = try field.string()
        guard text.hasPrefix("/") else { throw field.error("must be an absolute path") }
        return text.count > 1 && text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
