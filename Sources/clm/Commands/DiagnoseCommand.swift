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
            certificate required, old TLS versions, chain order, lifetime. Finding codes are listed in \
            docs/diagnose.md. Exit 0: a default client accepts the server; 1: it refuses, or high findings; \
            2: could not connect (refused, timeout, DNS, not TLS).
            """
    )

    @Argument(help: ArgumentHelp("The server: host:port, [v6]:port, or host (port 443).", valueName: "host:port"))
    var endpoint: String

    @Option(name: .long, help: ArgumentHelp("Server name to send and check (default: the host).", valueName: "name"))
    var sni: String?

    @Option(name: .long, help: "STARTTLS dialogue: smtp, imap, pop3 or none (default: from the port: 25/587 smtp, 143 imap, 110 pop3).")
    var starttls: StartTLSArgument?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Trust these CAs (PEM) instead of the system store, e.g. a private CA.", valueName: "file"),
            completion: .file())
    var caFile: String?

    @Option(name: .long, help: ArgumentHelp("Connect and handshake timeout each (e.g. 10s).", valueName: "duration"),
            transform: { try DurationSpec(parsing: $0) })
    var timeout = try! DurationSpec(parsing: "10s")

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
        let target: TLSTarget
        do { target = try TLSTarget.parse(endpoint, defaultPort: 443, sni: sni, starttls: starttls?.value) } catch {
            throw CommandFailure.usage(error.description)
        }
        let options = TLSProbeOptions(timeout: Double(timeout.seconds), caFile: caFile, probeVersions: true, readServerClock: true)
        let prober: TLSProber
        do { prober = try TLSProber(options: options) } catch {
            throw CommandFailure.usage("cannot set up TLS: \(error)")
        }
        let outcome = TLSProbeOutcome(target: target, result: await prober.probe(target))
        let diagnosis = Diagnoser.diagnose(observation: outcome, now: Date(), options: DiagnoseOptions(usedCAFile: caFile != nil))
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
