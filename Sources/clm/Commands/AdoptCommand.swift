import ArgumentParser
import CLMCore
import CLMRequest
import CLMCrypto
import CLMDeploy
import CLMInventory
import Foundation

/// `clm adopt ID`
struct AdoptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Put a discovered certificate under management: writes conf.d/NAME.yaml beside the config.",
        discussion: """
            Names and key type come from the certificate; deploy targets from the nginx / HAProxy sites in the inventory \
            that use its files (scan with `clm scan --nginx ... --haproxy ...` first). Review the file, then `clm renew NAME`.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var configOptions: ConfigOptions

    @Argument(help: "Inventory id or fingerprint of the certificate.")
    var id: String

    @Option(name: .long, help: "Name for the managed certificate (default: from its first name).")
    var name: String?

    @Option(name: .long, help: ArgumentHelp("http-01 through this web root.", valueName: "dir"))
    var webroot: String?

    @Option(name: .customLong("standalone-port"), help: "http-01 with clm's own responder on this port.")
    var standalonePort: Int?

    @Option(name: .customLong("dns-hook"), help: ArgumentHelp("dns-01 through this hook.", valueName: "path"))
    var dnsHook: String?

    @Flag(name: .long, help: "Print the entry instead of writing it.")
    var print = false

    @Option(name: .long, help: "Output format (json: the entry and what was done, as one object).")
    var format: ResultFormat = .text

    struct Result: Encodable {
        let name: String
        let config: String?
        let yaml: String
        let warnings: [String]
        let written: Bool
        /// The key of the certificate in service, when it became clm's current one.
        let key: String?
    }

    func validate() throws {
        if [webroot != nil, standalonePort != nil, dnsHook != nil].filter({ $0 }).count != 1 {
            throw ValidationError("choose how to answer challenges: exactly one of --webroot DIR, --standalone-port PORT, --dns-hook PATH")
        }
    }

    func run() throws {
        let inventory = try global.openInventory()
        let certificate: InventoryCertificate
        let sites: [SiteRecord]
        do {
            certificate = try inventory.scans.certificate(matching: id)
            sites = try inventory.scans.sites()
        } catch { throw CommandFailure.failed(error.description) }
        let challenge: String
        if let webroot { challenge = "{ type: http-01, webroot: \(Self.quote(webroot)) }" }
        else if let standalonePort { challenge = "{ type: http-01, standalone: { port: \(standalonePort) } }" }
        else { challenge = "{ type: dns-01, hook: \(Self.quote(dnsHook ?? "")) }" }
        let adopter = Adopter()
        do {
            let proposal = try adopter.propose(certificate, sites: sites, name: name, challengeYAML: challenge)
            let log = global.log
            for warning in proposal.warnings { log.warning(warning) }
            if print {
                if format == .json {
                    try JSONOutput.print(Result(name: proposal.name, config: nil, yaml: proposal.yaml, warnings: proposal.warnings, written: false, key: nil))
                } else {
                    Swift.print(proposal.yaml, terminator: "")
                }
                return
            }
            let path = try adopter.write(proposal, configPath: configOptions.path)
            // With its key at hand, the certificate in service becomes clm's current one, so
            // `renew` replaces it when it is due instead of at once.
            let seeded = try? seedStateDirectory(name: proposal.name, certificate: certificate, inventory: inventory)
            if format == .json {
                try JSONOutput.print(Result(name: proposal.name, config: path, yaml: proposal.yaml, warnings: proposal.warnings, written: true, key: seeded))
            } else if let seeded {
                Swift.print("\(proposal.name): managed from now on (\(path)); the certificate in service (key \(seeded)) renews when due")
            } else {
                Swift.print("\(proposal.name): managed from now on (\(path)); `clm renew \(proposal.name)` issues and deploys it")
            }
        } catch {
            throw CommandFailure.failed("\(error)")
        }
    }

    static func quote(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data(), as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
    }

    /// Stores the adopted certificate, its chain (from the file it was found
    /// in) and its unencrypted key in the state dir as the current set.
    /// Returns the key's path; throws when no usable key or file is known.
    private func seedStateDirectory(name: String, certificate: InventoryCertificate, inventory: Inventory) throws -> String {
        guard let key = certificate.privateKeys.first(where: { !$0.encrypted }) else {
            throw CommandFailure.failed("no unencrypted key pairs with the certificate")
        }
        let state = try deployState(global)
        let store = CertificateStore(stateRoot: state.root)
        guard store.current(name: name) == nil else { throw CommandFailure.failed("\(name) already has a certificate in the state dir") }
        let privateKey = try PrivateKey(contentsOf: key.path)
        // The file that starts with this certificate and carries the longest chain (fullchain over cert).
        let chains = certificate.locations.filter { $0.kind == .file && $0.goneSince == nil && $0.position == 0 }.compactMap { location -> CertificateChain? in
            guard let pem = try? String(contentsOfFile: location.ref, encoding: .utf8) else { return nil }
            let chain = CertificateChain(url: "file://" + location.ref, pem: pem)
            return chain.certificates.first.map(Digest.sha256Hex) == certificate.facts.fingerprintSHA256 ? chain : nil
        }
        guard let chain = chains.max(by: { $0.certificates.count < $1.certificates.count }) else {
            throw CommandFailure.failed("no file starting with the adopted certificate is readable")
        }
        try store.commit(name: name, key: privateKey, chain: chain, inventory: inventory)
        return key.path
    }
}
