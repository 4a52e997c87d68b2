public import CLMCore
public import CLMDeploy

/// clm's configuration file (`/etc/clm/clm.yaml`, `--config`, `CLM_CONFIG`)
/// plus drop-ins from `conf.d/*.yaml` beside it.
///
/// Parsed by ``ConfigLoader``; every value here was validated, so the rest
/// of the code never re-checks it.
public struct ClmConfig: Sendable, Hashable {
    public var acme: ACMESettings?
    /// `notify:` — where failures and recoveries are announced.
    public var notify: NotifySettings?
    public var renew: RenewDefaults
    public var hooks: HookSet
    public var certificates: [ManagedCertificate]
    /// `inventory:` — a fleet's shared inventory and how hosts renew together.
    public var inventory: InventorySettings?
    /// Files read, main file first.
    public var files: [String]

    public init(acme: ACMESettings?, renew: RenewDefaults = RenewDefaults(), hooks: HookSet = HookSet(),
                certificates: [ManagedCertificate], files: [String] = []) {
        self.acme = acme
        self.renew = renew
        self.hooks = hooks
        self.certificates = certificates
        self.files = files
    }

    public func certificate(named name: String) -> ManagedCertificate? { certificates.first { $0.name == name } }

    /// What every hook inherits (`hooks: pass_env:`), deploy and dns-01 alike.
    public var hookEnvironment: HookEnvironment { HookEnvironment(passEnv: hooks.passEnv) }
}

/// `notify:` — a webhook (POST JSON) and/or a command, told once when a
/// certificate's renewal or deploy starts failing and once when it recovers.
public struct NotifySettings: Sendable, Hashable {
    public var webhook: String?
    public var command: Argv?
    public var timeoutSeconds: Double

    public init(webhook: String? = nil, command: Argv? = nil, timeoutSeconds: Double = 30) {
        self.webhook = webhook
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }
}

/// `acme:` — the CA and the account.
public struct ACMESettings: Sendable, Hashable {
    public var server: String
    /// Used by `renew --dry-run` instead of `server` when given.
    public var stagingServer: String?
    public var email: [String]
    public var caFile: String?
    public var eabKeyID: String?
    public var eabHMACKey: String?

    public init(server: String, stagingServer: String? = nil, email: [String] = [], caFile: String? = nil,
                eabKeyID: String? = nil, eabHMACKey: String? = nil) {
        self.server = server
        self.stagingServer = stagingServer
        self.email = email
        self.caFile = caFile
        self.eabKeyID = eabKeyID
        self.eabHMACKey = eabHMACKey
    }
}

/// `inventory:` — a shared PostgreSQL inventory (docs/fleet.md). `--db` and
/// `CLM_DB` win over `url`; `--host-id` and `CLM_HOST_ID` over `host_id`.
public struct InventorySettings: Sendable, Hashable {
    public var url: String?
    public var passwordFile: String?
    public var hostID: String?
    /// The fleet key (32 bytes, mode 0600) that seals private keys in the shared inventory.
    public var fleetKey: String?
    /// How long a renewal lease lasts between extensions.
    public var leaseSeconds: Int = 120
    /// How long a host waits for another host's order of a name it manages.
    public var leaseWaitSeconds: Int = 600

    public init() {}
}

/// `renew:` — defaults for `clm renew`.
public struct RenewDefaults: Sendable, Hashable {
    /// Renew with at most this many seconds left; nil = the lifetime rule.
    public var dueSeconds: Int64?
    public var concurrency: Int = 4
    public var jitterSeconds: Int64 = 0
    public var hookTimeoutSeconds: Double = 120
    /// Previous versions kept per target (besides the current one).
    public var keep: Int = 3

    public init() {}
}
