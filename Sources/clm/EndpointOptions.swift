import ArgumentParser
import CLMCore
import CLMCrypto
import CLMDiscover
import Foundation

/// How `clm scan` finds and probes TLS endpoints.
struct EndpointOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A TLS endpoint to probe (host:port, [v6]:port); repeatable.", valueName: "host:port"))
    var endpoint: [String] = []

    @Option(name: .long, help: ArgumentHelp("Server name to send to each --endpoint (default: its host).", valueName: "name"))
    var sni: String?

    @Option(name: .long, help: "STARTTLS for each --endpoint: smtp, imap, pop3 or none (default: from the port).")
    var starttls: StartTLSArgument?

    @Option(name: .long, help: ArgumentHelp("A targets file (host:port [sni=NAME] [starttls=smtp], one a line) or a CIDR block; repeatable.", valueName: "file|cidr"))
    var targets: [String] = []

    @Option(name: .long, help: ArgumentHelp("Ports for CIDR blocks and bare hosts, comma-separated (e.g. 443,465,993,995).", valueName: "ports"))
    var ports: String?

    @Option(name: .long, help: "Endpoints probed at once.")
    var concurrency = 16

    @Option(name: .long, help: ArgumentHelp("Connect and handshake timeout each (e.g. 10s).", valueName: "duration"),
            transform: { try DurationSpec(parsing: $0) })
    var timeout = DurationSpec(seconds: 10)

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Verify endpoints against these CAs (PEM) instead of the system store.", valueName: "file"),
            completion: .file())
    var caFile: String?

    func validate() throws {
        if concurrency < 1 || concurrency > 1024 { throw ValidationError("--concurrency must be between 1 and 1024") }
        if timeout.seconds < 1 || timeout.seconds > 3600 { throw ValidationError("--timeout must be between 1s and 1h") }
        _ = try parsedPorts()
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ValidationError("--ca-file \(caFile): not a readable file")
        }
    }

    func parsedPorts() throws -> [UInt16] {
        guard let ports else { return [] }
        return try ports.split(separator: ",").map { text in
            guard let port = UInt16(text.trimmingCharacters(in: .whitespaces)), port > 0 else {
                throw ValidationError("--ports: '\(text)' is not a port number (1-65535)")
            }
            return port
        }
    }

    /// Every target named on the command line, deduplicated in order.
    func targetList() throws -> [TLSTarget] {
        let ports = try parsedPorts()
        var result: [TLSTarget] = []
        do {
            for value in endpoint {
                result += try TargetList.parseLine(value, ports: ports, source: "--endpoint", sni: sni, starttls: starttls?.value)
            }
            for value in targets {
                if FileManager.default.fileExists(atPath: value) || !value.contains("/") || value.hasPrefix("/") || value.hasPrefix(".") {
                    result += try TargetList.read(file: value, ports: ports)
                } else {
                    result += try TargetList.parseLine(value, ports: ports, source: "--targets")
                }
            }
        } catch {
            throw CommandFailure.usage(error.description)
        }
        var seen = Set<TLSTarget>()
        return result.filter { seen.insert($0).inserted }
    }

    func scannerOptions() -> EndpointScanner.Options {
        EndpointScanner.Options(probe: TLSProbeOptions(timeout: Double(timeout.seconds), caFile: caFile, probeVersions: true),
                                concurrency: concurrency)
    }
}
