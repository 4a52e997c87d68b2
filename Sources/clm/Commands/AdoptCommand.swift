import ArgumentParser
import CLMCore
import CLMLifecycle

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

    func validate() throws {
        if [webroot != nil, standalonePort != nil, dnsHook != nil].filter({ $0 }).count != 1 {
            throw ValidationError("choose how to answer challenges: exactly one of --webroot DIR, --standalone-port PORT, --dns-hook PATH")
        }
    }

    func run() throws {
        let inventory = try global.openInventory()
        let challenge: AdoptChallenge = webroot.map { .webroot($0) } ?? standalonePort.map { .standalone(port: $0) } ?? .dnsHook(dnsHook ?? "")
        let destination = print ? nil : Adopter.Destination(configPath: configOptions.path, stateRoot: (try? deployState(global))?.root)
        let adoption: Adoption
        do { adoption = try Adopter().adopt(id: id, name: name, challenge: challenge, inventory: inventory, destination: destination) } catch {
            throw CommandFailure.failed("\(error)")
        }
        let log = global.log
        for warning in adoption.warnings { log.warning(warning) }
        if format == .json {
            try JSONOutput.print(adoption)
        } else if !adoption.written {
            Swift.print(adoption.yaml, terminator: "")
        } else if let key = adoption.key {
            Swift.print("\(adoption.name): managed from now on (\(adoption.config ?? "")); the certificate in service (key \(key)) renews when due")
        } else {
            Swift.print("\(adoption.name): managed from now on (\(adoption.config ?? "")); `clm renew \(adoption.name)` issues and deploys it")
        }
    }
}
