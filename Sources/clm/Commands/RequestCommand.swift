import ArgumentParser
import CLMDeploy
import CLMLifecycle
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
        var orders: [Order] = []
        for argument in names {
            let (name, own) = Self.split(argument)
            let list = (own ?? domains ?? "").split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            guard !list.isEmpty else { throw CommandFailure.usage("\(name): no domains given") }
            orders.append(Order(name: name, domains: list, keyType: key, preferredChain: preferredChain, challenge: challengeSettings))
        }
        let log = global.log
        let requester = Requester(client: client, store: store, inventory: InventoryConnection(location: try inventoryLocation(global, store: store)), log: log)
        let results: [Requester.Result]
        do { results = try await requester.request(orders, reuseKeys: reuseKey, concurrency: concurrency) } catch {
            throw CommandFailure.failed(error.description)
        }
        if acme.format == .json {
            try JSONOutput.print(results)
        } else if !global.quiet {
            for result in results where result.issued {
                print("\(result.name): issued, expires \(result.notAfter ?? "?"), serial \(result.serial ?? "?"), files in \(result.directory ?? "?")")
            }
        }
        // One log line per failure, so each is its own JSON object under --log-format json.
        let failures = results.compactMap(\.error)
        for failure in failures { log.error(failure) }
        if !failures.isEmpty { throw CommandFailure.findings }
    }

    /// How the orders answer their challenges, from the options.
    var challengeSettings: ChallengeSettings {
        if let webroot { return .webroot(webroot) }
        if standalone { return .standalone(address: httpAddress, port: httpPort) }
        return .dnsHook(hook: dnsHook ?? "", propagationSeconds: (try? DurationSpec(parsing: propagationWait).seconds) ?? 0)
    }
}
