import ArgumentParser
import CLMCore
import CLMCrypto
import CLMDiscover
import Foundation

/// `clm diagnose HOST:PORT`
struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Explain why a client would refuse a TLS server, with the fix.",
        discussion: """
            Connects like a default client (system trust store, or --ca-file), then explains every problem \
            found: expiry, host name, missing intermediate, untrusted root, weak key or signature, client \
            certificate required, old TLS versions, chain order, lifetime. On mail ports it speaks like a mail \
            client: STARTTLS on 25/587/143/110, implicit TLS on 465/993/995, then EHLO / CAPABILITY / CAPA after \
            the handshake, so a server that refuses the session after TLS is reported with its words. Without \
            a port, every standard web and mail port (443 25 465 587 143 993 110 995) is tried at once, within \
            one --timeout, and the ports that answer are diagnosed. Finding codes are listed in \
            docs/diagnose.md. Exit 0: a default client accepts the server; 1: it refuses, or high findings; \
            2: could not connect (refused, timeout, DNS, not TLS).
            """
    )

    @Argument(help: ArgumentHelp("The server: host:port, [v6]:port, or a bare host (every standard web and mail port that answers).",
                                 valueName: "host:port"))
    var endpoint: String

    @OptionGroup var logging: LogOptions

    @Option(name: .long, help: ArgumentHelp("Postfix config directory of this server: fixes name its files and lines.", valueName: "dir"),
            completion: .directory)
    var postfix: String?

    @Option(name: .long, help: ArgumentHelp("Dovecot config of this server: fixes name its files and lines.", valueName: "file"),
            completion: .file())
    var dovecot: String?

    @Option(name: .long, help: ArgumentHelp("Server name to send and check (default: the host).", valueName: "name"))
    var sni: String?

    @Option(name: .long, help: "STARTTLS dialogue: smtp, imap, pop3 or none (default: from the port: 25/587 smtp, 143 imap, 110 pop3).")
    var starttls: StartTLSArgument?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Trust these CAs (PEM) instead of the system store, e.g. a private CA.", valueName: "file"),
            completion: .file())
    var caFile: String?

    @Option(name: .long, help: ArgumentHelp("Connect and handshake timeout each (e.g. 10s).", valueName: "duration"),
            transform: { try DurationSpec(parsing: $0) })
    var timeout = DurationSpec(seconds: 10)

    @Option(name: .long, help: "Output format: table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if format == .csv { throw ValidationError("--format csv is for listings; use table or json") }
        if timeout.seconds < 1 || timeout.seconds > 3600 { throw ValidationError("--timeout must be between 1s and 1h") }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ValidationError("--ca-file \(caFile): not a readable file")
        }
    }

    func run() async throws {
        let options = TLSProbeOptions(timeout: Double(timeout.seconds), caFile: caFile, probeVersions: true, readServerClock: true,
                                      checkSession: true)
        let prober: TLSProber
        do { prober = try TLSProber(options: options) } catch {
            throw CommandFailure.usage("cannot set up TLS: \(error)")
        }
        let sites = configSites()
        let target: TLSTarget
        do { target = try TLSTarget.parse(endpoint, sni: sni, starttls: starttls?.value) } catch {
            // A bare host: every standard port, together.
            guard (try? TLSTarget.parse(endpoint, defaultPort: 443)) != nil else { throw CommandFailure.usage(error.description) }
            try await diagnoseStandardPorts(prober, sites: sites)
            return
        }
        let outcome = TLSProbeOutcome(target: target, result: await prober.probe(target))
        let diagnosis = Diagnoser.diagnose(observation: outcome, now: Date(), options: diagnoseOptions(port: target.port, sites: sites))
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(diagnosis), as: UTF8.self))
        case .table, .csv:
            print(DiagnosisText.render(diagnosis, target: target), terminator: "")
        }
        if diagnosis.exitCode != 0 { throw CommandFailure(message: "", exitCode: diagnosis.exitCode) }
    }

    /// Sites from `--postfix` / `--dovecot`, for fix texts with file:line.
    private func configSites() -> [ConfigSite] {
        var sites: [ConfigSite] = []
        if let postfix { sites += PostfixConfigReader().read(configDirectory: postfix).sites }
        if let dovecot { sites += DovecotConfigReader().read(mainFile: dovecot).sites }
        return sites
    }

    private func diagnoseOptions(port: UInt16, sites: [ConfigSite]) -> DiagnoseOptions {
        DiagnoseOptions(usedCAFile: caFile != nil, server: ServerHint.from(sites: sites, port: port, serverName: sni))
    }

    /// `clm diagnose HOST`: 443 and the mail ports probed in parallel (one
    /// --timeout for all); ports that refuse or stay silent are listed, not diagnosed.
    private func diagnoseStandardPorts(_ prober: TLSProber, sites: [ConfigSite]) async throws {
        let host: TLSTarget
        do { host = try TLSTarget.parse(endpoint, defaultPort: 443, sni: sni) } catch { throw CommandFailure.usage(error.description) }
        let targets = TLSTarget.standardPorts.map { TLSTarget(host: host.host, port: $0, sni: sni) }
        let outcomes = await prober.probe(targets, concurrency: targets.count)
        var diagnoses: [(TLSTarget, Diagnosis)] = []
        var silent: [String] = []
        // JSON lists every port, the silent ones with their connect.refused / connect.timeout reason.
        var everyPort: [Diagnosis] = []
        for outcome in outcomes {
            if case let .failure(error) = outcome.result {
                switch error {
                case .connectionRefused, .timeout:
                    silent.append("\(outcome.target.port)")
                    everyPort.append(Diagnoser.diagnose(observation: outcome, now: Date(),
                                                        options: diagnoseOptions(port: outcome.target.port, sites: sites)))
                    continue
                case .dnsFailure:
                    throw CommandFailure(message: error.description, exitCode: 2)
                default: break
                }
            }
            diagnoses.append((outcome.target, Diagnoser.diagnose(observation: outcome, now: Date(),
                                                                 options: diagnoseOptions(port: outcome.target.port, sites: sites))))
            everyPort.append(diagnoses[diagnoses.count - 1].1)
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(everyPort), as: UTF8.self))
        case .table, .csv:
            for (index, (target, diagnosis)) in diagnoses.enumerated() {
                if index > 0 { print("") }
                print(DiagnosisText.render(diagnosis, target: target), terminator: "")
            }
            if !silent.isEmpty { print("\nNo TLS service (refused or no answer within \(timeout.seconds) s) on port(s) \(silent.joined(separator: ", ")).") }
        }
        let worst = diagnoses.map(\.1.exitCode).max() ?? 2
        if diagnoses.isEmpty { Terminal.standardError("clm: \(host.host): no standard web or mail port answered\n") }
        if worst != 0 { throw CommandFailure(message: "", exitCode: worst) }
    }
}

/// `--starttls` values.
enum StartTLSArgument: String, ExpressibleByArgument, CaseIterable {
    case none, smtp, imap, pop3

    var value: StartTLSProtocol { StartTLSProtocol(rawValue: rawValue) ?? .none }
}

/// The diagnosis in plain words, worst first.
enum DiagnosisText {
    static func render(_ diagnosis: Diagnosis, target: TLSTarget) -> String {
        let palette = Palette(enabled: Terminal.useColor)
        var out = "\(palette.bold(diagnosis.endpoint.displaySafe))"
        if let name = target.serverName { out += " (SNI \(name.displaySafe))" }
        if target.starttls != .none { out += " via STARTTLS \(target.starttls.rawValue)" }
        else if let proto = target.sessionProtocol { out += " (\(proto.rawValue) over TLS)" }
        if let version = diagnosis.protocolVersion { out += ": \(version.displaySafe)\(diagnosis.cipher.map { ", \($0.displaySafe)" } ?? "")" }
        out += "\n"
        if !diagnosis.connected {
            out += palette.red("Could not connect.") + "\n"
        } else if diagnosis.wouldClientAccept {
            out += palette.green("A default client would accept this server.") + "\n"
        } else {
            out += palette.red("A default client would REFUSE this server.") + "\n"
        }
        for finding in diagnosis.findings {
            let label = "[\(finding.severity.rawValue.uppercased())]"
            let colored = finding.severity >= .high ? palette.red(label) : finding.severity >= .medium ? palette.yellow(label) : label
            out += "\n\(colored) \(finding.code.rawValue): \(finding.title.displaySafe)\n"
            for line in finding.evidence { out += "    \(line.displaySafe)\n" }
            out += "    fix: \(finding.fix.displaySafe)\n"
        }
        if !diagnosis.chain.isEmpty {
            out += "\nChain as sent:\n"
            for certificate in diagnosis.chain {
                let expires = ISO8601DateFormatter().string(from: certificate.notAfter).prefix(10)
                out += "  \(certificate.position): \(certificate.subject.displaySafe)\n     issuer \(certificate.issuer.displaySafe); \(certificate.key.displaySafe); expires \(expires)\n"
            }
        }
        return out
    }
}
