public import CLMDeploy
public import CLMCrypto
internal import CLMRequest
internal import CLMCore
internal import Foundation

/// One certificate to order: its names, key and how it answers challenges.
public struct Order: Sendable {
    public var name: String
    public var domains: [String]
    public var keyType: KeyType
    /// Keep this key instead of generating one (`request --reuse-key`).
    public var reuseKey: PrivateKey?
    public var preferredChain: String?
    public var challenge: ChallengeSettings

    public init(name: String, domains: [String], keyType: KeyType, reuseKey: PrivateKey? = nil, preferredChain: String? = nil,
                challenge: ChallengeSettings) {
        self.name = name
        self.domains = domains
        self.keyType = keyType
        self.reuseKey = reuseKey
        self.preferredChain = preferredChain
        self.challenge = challenge
    }

    public init(_ certificate: ManagedCertificate) {
        self.init(name: certificate.name, domains: certificate.domains, keyType: certificate.keyType, preferredChain: certificate.preferredChain,
                  challenge: certificate.challenge)
    }
}

/// Orders a batch for `clm request` and `clm renew` alike: one solver per
/// order's challenge (one standalone responder per address:port, shared),
/// and, where the CA offers ARI (RFC 9773), each order names the certificate it replaces.
struct IssuanceBatch: Sendable {
    let client: ACMEClient
    let account: AccountCredentials
    let recorder: (any ACMERecording)?
    /// Where the issued files go (a dry run's own directory).
    let store: RequestStore
    /// Where the certificates being replaced are read.
    let current: RequestStore
    /// How the orders answer their challenges (dns-01 hooks: timeout and environment).
    var solvers = ChallengeSolvers()
    let log: @Sendable (String) -> Void
    var now: @Sendable () -> Date = { Date() }

    /// At most `concurrency` orders at a time; results in the order of `orders`.
    func obtain(_ orders: [Order], concurrency: Int) async -> [Result<IssuanceResult, IssuanceError>] {
        var solvers = self.solvers
        var jobs: [(issuer: Issuer, request: CertificateRequest)] = []
        for order in orders {
            let issuer = Issuer(client: client, account: account, solver: solvers.solver(for: order.challenge), recorder: recorder,
                                state: store, log: log, now: now)
            jobs.append((issuer, request(order)))
        }
        return await Issuer.obtainAll(jobs, concurrency: concurrency)
    }

    func request(_ order: Order) -> CertificateRequest {
        CertificateRequest(name: order.name, identifiers: order.domains.map(ACME.Identifier.guess), keyType: order.keyType, reuseKey: order.reuseKey,
                           preferredChain: order.preferredChain, replaces: replaces(order.name))
    }

    /// The ARI certificate ID of `name`'s current certificate, when the CA takes one.
    func replaces(_ name: String) -> String? {
        guard client.directory.renewalInfo != nil else { return nil }
        return current.currentCertificate(name: name).flatMap(RenewalInfoID.certID(for:))
    }
}

/// The challenge solvers of one batch of orders: a webroot or dns-01 solver
/// per order, and one standalone responder per address:port, shared by every
/// order that answers there (two responders could not bind the same port).
struct ChallengeSolvers: Sendable {
    var hookTimeout: Duration = .seconds(60)
    var policy = HookEnvironment()
    private var standalone: [String: StandaloneHTTPSolver] = [:]

    init(hookTimeout: Duration = .seconds(60), policy: HookEnvironment = HookEnvironment()) {
        self.hookTimeout = hookTimeout
        self.policy = policy
    }

    mutating func solver(for challenge: ChallengeSettings) -> any ChallengeSolver {
        switch challenge {
        case .webroot(let path): return WebrootSolver(webroot: path)
        case .standalone(let address, let port):
            let key = "\(address):\(port)"
            let shared = standalone[key] ?? StandaloneHTTPSolver(address: address, port: port)
            standalone[key] = shared
            return shared
        case .dnsHook(let hook, let seconds):
            return DNSHookSolver(hook: hook, propagationDelay: .seconds(seconds), timeout: hookTimeout, policy: policy)
        }
    }
}
