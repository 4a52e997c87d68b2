import ArgumentParser
import CLMDiscover
import CLMInventory
import CLMCore
import CLMCrypto
import CLMRequest
import Foundation

/// `clm request NAME --domains ...`
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Obtain a certificate over ACME now and store it in the state dir.",
        discussion: """
            Several certificates: give several NAME=domain1,domain2 arguments; they are ordered concurrently \
            (--concurrency). An order interrupted earlier for the same name and names is resumed. When the CA \
            offers ARI (RFC 9773), the new order says which certificate it replaces.
            Files: STATE_DIR/certificates/NAME/{privkey.pem (0600), cert.pem, chain.pem, fullchain.pem}.
            """
    )

    enum Challenge: String, ExpressibleByArgument, CaseIterable {
        case http01 = "http-01"
        case dns01 = "dns-01"
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var acme: ACMEServerOptions

    @Argument(help: ArgumentHelp("Certificate name, or NAME=domain,domain for several certificates.", valueName: "name"))
    var names: [String] = []

    @Option(name: .long, help: ArgumentHelp("DNS names and IP addresses, comma-separated (for a single NAME).", valueName: "names"))
    var domains: String?

    @Option(name: .long, help: ArgumentHelp("Certificate key. " + keyTypeHelp, valueName: "type"), transform: parseKeyType)
    var key: KeyType = .ecP256

    @Flag(name: .customLong("reuse-key"), help: "Keep the current certificate's key instead of generating a new one.")
    var reuseKey = false

    @Option(name: .long, help: "Challenge type.")
    var challenge: Challenge = .http01

    @Option(name: .long, help: ArgumentHelp("http-01: write tokens under this web root (served by your web server).", valueName: "dir"),
            completion: .directory)
    var webroot: String?

    @Flag(name: .long, help: "http-01: answer with clm's own HTTP responder.")
    var standalone = false

    @Option(name: .customLong("http-port"), help: "http-01 standalone: port to listen on.")
    var httpPort: Int = 80

    @Option(name: .customLong("http-address"), help: ArgumentHelp("http-01 standalone: address to listen on.", valueName: "ipv4"))
    var httpAddress: String = "0.0.0.0"

    @Option(name: .customLong("dns-hook"), help: ArgumentHelp("dns-01: executable called as HOOK present|cleanup DOMAIN RECORD VALUE.",
                                                              valueName: "path"), completion: .file())
    var dnsHook: String?

    @Option(name: .customLong("propagation-wait"), help: ArgumentHelp("dns-01: wait this long after publishing records.", valueName: "duration"))
    var propagationWait: String = "0s"

    @Option(name: .customLong("preferred-chain"), help: ArgumentHelp("Prefer the CA's alternate chain whose top issuer has this CN.", valueName: "cn"))
    var preferredChain: String?

    @Option(name: .long, help: "Orders to run at once when several certificates are requested.")
    var concurrency: Int = 8

    /// One requested certificate, for `--format json`.
    struct Result: Encodable {
        let name: String
        let issued: Bool
        let not_after: String?
        let serial: String?
        let fingerprint_sha256: String?
        let directory: String?
        let error: String?
    }

    func validate() throws {
        if names.isEmpty { throw ValidationError("give the certificate's NAME (e.g. clm request www --domains example.com,www.example.com)") }
        if names.count == 1 && domains == nil && !names[0].contains("=") { throw ValidationError("--domains is required") }
        if names.count > 1 && domains != nil { throw ValidationError("with several names, write NAME=domain,domain instead of --domains") }
        for name in names.map(Self.split) {
            if name.name.isEmpty || name.name.contains("/") || name.name.hasPrefix(".") { throw ValidationError("'\(name.name)' is not a usable certificate name") }
        }
        switch challenge {
        case .http01:
            if (webroot == nil) == !standalone { throw ValidationError("http-01 needs exactly one of --webroot DIR or --standalone") }
            if dnsHook != nil { throw ValidationError("--dns-hook is for --challenge dns-01") }
        case .dns01:
            if dnsHook == nil { throw ValidationError("dns-01 needs --dns-hook PATH") }
            if webroot != nil || standalone { throw ValidationError("--webroot / --standalone are for http-01") }
        }
        if !(1...65535).contains(httpPort) { throw ValidationError("--http-port must be 1-65535") }
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if (try? DurationSpec(parsing: propagationWait)) == nil { throw ValidationError("--propagation-wait: use e.g. 30s or 2m") }
    }

    static func split(_ argument: String) -> (name: String, domains: String?) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    func run() async throws {
        let store = try acme.stateDirectory()
        let url = try acme.serverURL(in: store)
        let client = try await acme.connect(url, connections: min(concurrency, 8))
        // One inventory connection for the command: ACME records, then the issued files.
        let inventory = InventoryConnection(path: inventoryPath(global, store: store))
        let recorder = try await openRecorder(global, store: store, connection: inventory)
        let account: AccountCredentials
        do {
            // The CA may have forgotten the account (a restarted test CA): register again once with the stored contact.
            let contact = (try? store.loadAccount(directoryURL: url))?.stored.contact ?? []
            let checked = try await AccountManager(client: client, state: store, recorder: recorder).loadChecked(reregisterWith: contact)
            account = checked.credentials
            if checked.reregistered { global.log.warning("\(url) no longer knew the stored account (accountDoesNotExist); registered a new one") }
        } catch {
            throw CommandFailure.failed(error.description)
        }
        let solver: any ChallengeSolver
        if let webroot {
            solver = WebrootSolver(webroot: webroot)
        } else if standalone {
            solver = StandaloneHTTPSolver(address: httpAddress, port: httpPort)
        } else {
            let wait = (try? DurationSpec(parsing: propagationWait).seconds) ?? 0
            solver = DNSHookSolver(hook: dnsHook ?? "", propagationDelay: .seconds(wait))
        }
        var requests: [CertificateRequest] = []
        for argument in names {
            let (name, own) = Self.split(argument)
            let list = (own ?? domains ?? "").split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            guard !list.isEmpty else { throw CommandFailure.usage("\(name): no domains given") }
            let current = store.currentCertificate(name: name)
            var reused: PrivateKey?
            if reuseKey {
                do { reused = try PrivateKey(contentsOf: store.paths(for: name).key) } catch {
                    throw CommandFailure.failed("--reuse-key: \(name) has no readable key yet (\(error))")
                }
            }
            let replaces = client.directory.renewalInfo != nil ? current.flatMap(RenewalInfoID.certID(for:)) : nil
            requests.append(CertificateRequest(name: name, identifiers: list.map(ACME.Identifier.guess), keyType: key, reuseKey: reused,
                                               preferredChain: preferredChain, replaces: replaces))
        }
        let quiet = global.quiet
        let log = global.log
        let issuer = Issuer(client: client, account: account, solver: solver, recorder: recorder, state: store, log: { log.info($0) })
        var failures: [String] = []
        var issuedDirectories: [String] = []
        var results: [Result] = []
        for (request, result) in zip(requests, await issuer.obtainAll(requests, concurrency: concurrency)) {
            switch result {
            case .success(let issued):
                issuedDirectories.append(store.certificateDirectory(issued.name))
                let expires = RFC3339.format(issued.certificate.notAfter)
                results.append(Result(name: issued.name, issued: true, not_after: expires, serial: issued.certificate.serialHex,
                                      fingerprint_sha256: issued.certificate.sha256Hex, directory: store.certificateDirectory(issued.name), error: nil))
                if !quiet && acme.format == .text {
                    print("\(issued.name): issued, expires \(expires), serial \(issued.certificate.serialHex), files in \(store.certificateDirectory(issued.name))")
                }
            case .failure(let error):
                failures.append(error.description)
                results.append(Result(name: request.name, issued: false, not_after: nil, serial: nil, fingerprint_sha256: nil, directory: nil,
                                      error: error.description))
            }
        }
        if acme.format == .json { try JSONOutput.print(results) }
        // Issued certificates join the inventory like any other, located in the state dir.
        if !issuedDirectories.isEmpty {
            let directories = issuedDirectories
            do { try await inventory.run { _ = try FileScanner(inventory: $0).scan(roots: directories) } } catch {
                global.log.warning("issued certificates were not added to the inventory: \(error)")
            }
        }
        // One log line per failure, so each is its own JSON object under --log-format json.
        for failure in failures { log.error(failure) }
        if !failures.isEmpty { throw CommandFailure.findings }
    }
}
