public import CLMCrypto
internal import CLMCore

/// An executable and its arguments; never passed through a shell.
public typealias Argv = [String]

/// Hooks by phase. See docs/deploy.md for when each runs.
public struct HookSet: Sendable, Hashable {
    public var pre: [Argv] = []
    public var deploy: [Argv] = []
    public var post: [Argv] = []
    /// `pass_env:` (top-level `hooks:` only) — variables every hook inherits by name.
    public var passEnv: [String] = []

    public init(pre: [Argv] = [], deploy: [Argv] = [], post: [Argv] = [], passEnv: [String] = []) {
        self.pre = pre
        self.deploy = deploy
        self.post = post
        self.passEnv = passEnv
    }

    public var isEmpty: Bool { pre.isEmpty && deploy.isEmpty && post.isEmpty }
}

/// One certificate clm keeps fresh.
public struct ManagedCertificate: Sendable, Hashable {
    public var name: String
    public var domains: [String]
    public var keyType: KeyType
    public var challenge: ChallengeSettings
    public var preferredChain: String?
    public var targets: [DeployTarget]
    public var hooks: HookSet
    /// Where it was declared (file:line), for messages.
    public var origin: String

    public init(name: String, domains: [String], keyType: KeyType = .ecP256, challenge: ChallengeSettings,
                preferredChain: String? = nil, targets: [DeployTarget] = [], hooks: HookSet = HookSet(), origin: String = "") {
        self.name = name
        self.domains = domains
        self.keyType = keyType
        self.challenge = challenge
        self.preferredChain = preferredChain
        self.targets = targets
        self.hooks = hooks
        self.origin = origin
    }

    /// What the CA is asked for: a change here means a new certificate.
    public var issuanceFingerprint: String {
        let text = "domains=" + domains.map { $0.lowercased() }.sorted().joined(separator: ",") + ";key=" + keyType.rawValue
            + ";chain=" + (preferredChain ?? "")
        return Digest.sha256Hex(Array(text.utf8))
    }

    /// Where and how it is deployed: a change here means a redeploy.
    public var deployFingerprint: String {
        let text = targets.map(\.summary).joined(separator: "|") + ";hooks=" + "\(hooks.pre)\(hooks.deploy)\(hooks.post)"
        return Digest.sha256Hex(Array(text.utf8))
    }
}

/// `challenge:` of a certificate.
public enum ChallengeSettings: Sendable, Hashable {
    case webroot(String)
    case standalone(address: String, port: Int)
    case dnsHook(hook: String, propagationSeconds: Int64)
}

/// A host:port to probe after a reload, with the SNI name to send and, on
/// mail ports, how TLS starts there.
public struct VerifyEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var serverName: String?
    /// STARTTLS dialogue before the handshake (`starttls=smtp`), or `.none`.
    public var starttls: StartTLSProtocol
    /// On implicit TLS, the mail protocol inside (`tls=imap`); nil = from the
    /// well-known port (465, 993, 995), none elsewhere.
    public var application: StartTLSProtocol?

    public init(host: String, port: Int, serverName: String? = nil, starttls: StartTLSProtocol = .none,
                application: StartTLSProtocol? = nil) {
        self.host = host
        self.port = port
        self.serverName = serverName
        self.starttls = starttls
        self.application = application
    }

    public var description: String {
        var text = "\(host):\(port)" + (serverName.map { " (SNI \($0))" } ?? "")
        if starttls != .none { text += " via STARTTLS \(starttls.rawValue)" } else if let application { text += " via \(application.rawValue) over TLS" }
        return text
    }
}

/// How a target makes its server pick up the new files.
public enum ReloadMethod: Sendable, Hashable {
    /// Files only (a hook or the operator reloads).
    case none
    /// Check argv (skipped when empty), then reload argv.
    case command(check: Argv, reload: Argv)
    /// HAProxy's runtime API over its stats socket: `set ssl cert` + `commit ssl cert`.
    case haproxyRuntimeAPI(socket: String)

    var summary: String {
        switch self {
        case .none: return "none"
        case .command(let check, let reload): return "command:\(check)\(reload)"
        case .haproxyRuntimeAPI(let socket): return "runtime-api:\(socket)"
        }
    }
}

/// One place a certificate is deployed to.
public struct DeployTarget: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A directory with fullchain.pem, privkey.pem, cert.pem, chain.pem (nginx, Dovecot, Postfix).
        case directory(String)
        /// One combined PEM: key, certificate, chain (HAProxy; Postfix smtpd_tls_chain_files).
        case combinedFile(String)
    }

    public var kind: Kind
    /// "nginx", "haproxy", "postfix" or "dovecot" (how it was written in the config).
    public var label: String
    public var reload: ReloadMethod
    /// Endpoints probed after the reload; each must serve the new certificate
    /// (and on mail ports answer the first command after TLS).
    public var verifyEndpoints: [VerifyEndpoint]
    /// The first verify endpoint (most targets have one).
    public var verify: VerifyEndpoint? {
        get { verifyEndpoints.first }
        set { verifyEndpoints = newValue.map { [$0] } ?? [] }
    }
    public var owner: String?
    public var group: String?
    public var keep: Int
    /// `env:` — extra CLM_* variables for this target's check and reload
    /// commands (e.g. CLM_NGINX_CONF for Hooks/nginx).
    public var environment: [String: String]

    public init(kind: Kind, label: String, reload: ReloadMethod = .none, verify: VerifyEndpoint? = nil,
                owner: String? = nil, group: String? = nil, keep: Int = 3, environment: [String: String] = [:]) {
        self.kind = kind
        self.label = label
        self.reload = reload
        self.verifyEndpoints = verify.map { [$0] } ?? []
        self.owner = owner
        self.group = group
        self.keep = keep
        self.environment = environment
    }

    public var path: String {
        switch kind {
        case .directory(let path), .combinedFile(let path): return path
        }
    }

    /// "nginx /etc/nginx/tls/www".
    public var description: String { "\(label) \(path)" }

    var summary: String {
        "\(label):\(path):\(reload.summary):\(verifyEndpoints.map(\.description).joined(separator: ",")):\(owner ?? ""):\(group ?? ""):\(keep)"
            + (environment.isEmpty ? "" : ":" + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
    }

    /// Key of the reload batch this target joins: same commands and environment, one check + reload.
    var reloadGroupKey: String? {
        guard case .command(let check, let reload) = reload else { return nil }
        return "\(check)\u{0}\(reload)\u{0}" + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}")
    }
}
