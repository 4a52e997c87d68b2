public import CLMInventory
internal import CLMDeploy
internal import CLMCrypto
internal import CLMRequest
internal import Foundation

/// How an adopted certificate answers its challenges (`clm adopt --webroot | --standalone-port | --dns-hook`).
public enum AdoptChallenge: Sendable, Hashable {
    case webroot(String)
    case standalone(port: Int)
    case dnsHook(String)

    /// The `challenge:` value of the drop-in.
    var yaml: String {
        switch self {
        case .webroot(let path): return "{ type: http-01, webroot: \(Adopter.quote(path)) }"
        case .standalone(let port): return "{ type: http-01, standalone: { port: \(port) } }"
        case .dnsHook(let hook): return "{ type: dns-01, hook: \(Adopter.quote(hook)) }"
        }
    }
}

/// What `clm adopt` did (`--format json` prints it as is).
public struct Adoption: Encodable, Sendable {
    public let name: String
    /// The drop-in written; nil when only printed.
    public let config: String?
    public let yaml: String
    public let warnings: [String]
    public let written: Bool
    /// The key of the certificate in service, when it became clm's current one.
    public let key: String?
}

extension Adopter {
    /// Where an adoption is written: the config beside which conf.d/NAME.yaml goes, and the state dir.
    public struct Destination: Sendable {
        public let configPath: String
        /// nil: the state dir is unusable, so the certificate in service is not seeded.
        public let stateRoot: String?

        public init(configPath: String, stateRoot: String?) {
            self.configPath = configPath
            self.stateRoot = stateRoot
        }
    }

    /// `clm adopt ID`: proposes the entry for inventory certificate `id` and,
    /// given a destination, writes it and makes the certificate in service
    /// (with its key at hand) clm's current one, so `renew` replaces it when
    /// it is due instead of at once. Without a destination nothing is written.
    public func adopt(id: String, name: String?, challenge: AdoptChallenge, inventory: Inventory,
                      destination: Destination?) throws -> Adoption {
        let certificate = try inventory.scans.certificate(matching: id)
        let proposal = try propose(certificate, sites: try inventory.scans.sites(), name: name, challengeYAML: challenge.yaml)
        guard let destination else {
            return Adoption(name: proposal.name, config: nil, yaml: proposal.yaml, warnings: proposal.warnings, written: false, key: nil)
        }
        let path = try write(proposal, configPath: destination.configPath)
        let seeded = destination.stateRoot.flatMap { try? seed(proposal.name, from: certificate, stateRoot: $0, inventory: inventory) }
        return Adoption(name: proposal.name, config: path, yaml: proposal.yaml, warnings: proposal.warnings, written: true, key: seeded)
    }

    /// Stores the adopted certificate, its chain (from the file it was found
    /// in) and its unencrypted key in the state dir as the current set.
    /// Returns the key's path; throws when no usable key or file is known.
    func seed(_ name: String, from certificate: InventoryCertificate, stateRoot: String, inventory: Inventory) throws -> String {
        guard let key = certificate.privateKeys.first(where: { !$0.encrypted }) else {
            throw LifecycleError.notConfigured("no unencrypted key pairs with the certificate")
        }
        let store = CertificateStore(stateRoot: stateRoot)
        guard store.current(name: name) == nil else { throw LifecycleError.notConfigured("\(name) already has a certificate in the state dir") }
        let privateKey = try PrivateKey(contentsOf: key.path)
        // The file that starts with this certificate and carries the longest chain (fullchain over cert).
        let chains = certificate.locations.filter { $0.kind == .file && $0.goneSince == nil && $0.position == 0 }.compactMap { location -> CertificateChain? in
            guard let pem = try? String(contentsOfFile: location.ref, encoding: .utf8) else { return nil }
            let chain = CertificateChain(url: "file://" + location.ref, pem: pem)
            return chain.certificates.first.map(Digest.sha256Hex) == certificate.facts.fingerprintSHA256 ? chain : nil
        }
        guard let chain = chains.max(by: { $0.certificates.count < $1.certificates.count }) else {
            throw LifecycleError.notConfigured("no file starting with the adopted certificate is readable")
        }
        try store.commit(name: name, key: privateKey, chain: chain, inventory: inventory)
        return key.path
    }
}
