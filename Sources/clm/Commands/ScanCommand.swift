import ArgumentParser
import CLMCore
import CLMDiscover
import CLMInventory
import CLMLifecycle
import Foundation

/// `clm scan PATH...`
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find certificates and keys and record them in the inventory.",
        discussion: """
            Directories are walked recursively. Files are recognised by content, not name: PEM (bundles, \
            chains, CRLF), DER, PKCS#7, PKCS#12 and private keys (PKCS#1, PKCS#8, SEC1). Unchanged files \
            (same inode, size, mtime) are not read again. Problems inside the tree are warnings on standard \
            error and the exit code stays 0; a PATH that does not exist is an error (exit 2).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Files or directories to scan.", valueName: "path"), completion: .directory)
    var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp("Skip paths matching this glob (full path or file name); repeatable.", valueName: "glob"))
    var exclude: [String] = []

    @Option(name: .long, help: ArgumentHelp("Skip files larger than this many bytes (suffixes k, M, G).", valueName: "size"),
            transform: ByteSize.parse)
    var maxFileSize: Int64 = 10 * 1024 * 1024

    @Option(name: .customLong("pkcs12-password-file"),
            help: ArgumentHelp("File with passwords to try on PKCS#12 files, one per line.", valueName: "file"),
            completion: .file())
    var pkcs12PasswordFile: String?

    @Option(name: .long, help: "Summary format.")
    var format: OutputFormat = .table

    @OptionGroup(title: "Endpoints") var endpoints: EndpointOptions

    @Option(name: .long, help: ArgumentHelp("nginx main config to read (follows include); repeatable.", valueName: "file"), completion: .file())
    var nginx: [String] = []

    @Option(name: .long, help: ArgumentHelp("HAProxy config to read (bind ... crt, crt-list); repeatable.", valueName: "file"), completion: .file())
    var haproxy: [String] = []

    @Option(name: .long, help: ArgumentHelp("Postfix config directory to read (main.cf, master.cf -o, SNI maps); repeatable.", valueName: "dir"),
            completion: .directory)
    var postfix: [String] = []

    @Option(name: .long, help: ArgumentHelp("Dovecot config to read (follows !include); repeatable.", valueName: "file"), completion: .file())
    var dovecot: [String] = []

    @Flag(name: .customLong("mail-configs"), help: "Also read the mail servers' configs in the standard places (/etc/postfix, /etc/dovecot/dovecot.conf).")
    var mailConfigs = false

    func validate() throws {
        if paths.isEmpty && endpoints.endpoint.isEmpty && endpoints.targets.isEmpty && nginx.isEmpty && haproxy.isEmpty
            && postfix.isEmpty && dovecot.isEmpty && !mailConfigs {
            throw ValidationError("give at least one path, --endpoint, --targets, --nginx, --haproxy, --postfix, --dovecot or --mail-configs (e.g. clm scan /etc/ssl)")
        }
        if format == .csv { throw ValidationError("--format csv is for listings; use table or json") }
        try endpoints.validate()
    }

    func run() async throws {
        try checkPathsExist()
        var request = ScanRun.Request()
        (request.paths, request.nginx, request.haproxy) = (paths, nginx, haproxy)
        (request.postfix, request.dovecot) = mailConfigPaths()
        request.files = try fileOptions()
        request.targets = try endpoints.targetList()
        request.endpoints = endpoints.scannerOptions()
        let progress = ProgressLine(enabled: !global.quiet)
        let scan = ScanRun(inventory: try global.inventoryLocation())
        let result: ScanRun.Result
        do {
            result = try await scan.run(request) { state in
                switch state {
                case let .files(examined, certificates):
                    let rate = Double(examined) / max(progress.elapsed, 0.001)
                    progress.update("scanning: \(examined) files (\(Int(rate)) files/s), \(certificates) certificates")
                case let .endpoints(count): progress.update("probing \(count) endpoints")
                case .idle: progress.clear()
                }
            }
        } catch {
            if case .setup = error { throw CommandFailure.usage(error.description) }
            throw CommandFailure.failed(error.description)
        }
        let (summary, configSummary, endpointOutcomes) = (result.files, result.configs, result.endpoints)
        let elapsed = progress.elapsed
        switch format {
        case .json:
            var json = summary.map { ScanSummaryJSON($0, seconds: elapsed) } ?? ScanSummaryJSON.empty(seconds: elapsed)
            json.endpoints = endpointOutcomes.map(ScanSummaryJSON.Endpoint.init)
            json.sites = configSummary?.sites.map(ScanSummaryJSON.Site.init)
            json.configWarnings = configSummary?.warnings.map(\.description)
            if let configScan = configSummary?.scan { json.merge(configScan) }
            let data = try Timestamp.encoder().encode(json)
            print(String(decoding: data, as: UTF8.self))
        case .table, .csv:
            if let summary { printSummary(summary, elapsed: elapsed) }
            if let configSummary { printConfig(configSummary) }
            printEndpoints(endpointOutcomes)
        }
    }

    /// A root or config that is not there is a typo or a missing mount, not an empty tree.
    private func checkPathsExist() throws {
        for (option, files) in [("", paths), ("--nginx ", nginx), ("--haproxy ", haproxy)] {
            for file in files {
                var info = stat()
                if lstat(file, &info) != 0 { throw CommandFailure.usage("\(option)\(file): \(String(cString: strerror(errno)))") }
            }
        }
    }

    private func fileOptions() throws -> FileScanner.Options {
        var options = FileScanner.Options()
        options.walker = FileWalker.Options(maxFileSize: maxFileSize, excludes: exclude)
        options.detailedWarnings = global.verbose
        if let pkcs12PasswordFile {
            do {
                let text = try String(contentsOfFile: pkcs12PasswordFile, encoding: .utf8)
                options.pkcs12Passwords = text.split(whereSeparator: \.isNewline).map(String.init)
            } catch {
                throw CommandFailure.usage("--pkcs12-password-file \(pkcs12PasswordFile): cannot read: \(error.localizedDescription)")
            }
        }
        return options
    }

    /// --postfix / --dovecot, plus the standard places with --mail-configs.
    private func mailConfigPaths() -> (postfix: [String], dovecot: [String]) {
        var (postfix, dovecot) = (self.postfix, self.dovecot)
        guard mailConfigs else { return (postfix, dovecot) }
        let standard = ConfigDiscovery.standardMailConfigs()
        postfix += standard.postfix.filter { !postfix.contains($0) }
        dovecot += standard.dovecot.filter { !dovecot.contains($0) }
        if standard.postfix.isEmpty && standard.dovecot.isEmpty && !global.quiet {
            Terminal.standardError("clm: --mail-configs: no /etc/postfix/main.cf or /etc/dovecot/dovecot.conf here\n")
        }
        return (postfix, dovecot)
    }

    private func printConfig(_ config: ConfigDiscovery.Summary) {
        if !global.quiet {
            print("Read \(config.configFiles.count) config files: \(config.sites.count) TLS sites.")
            for site in config.sites {
                print("  \(site.server.rawValue) \(String(describing: site.location).displaySafe): \(Self.describe(site).displaySafe) -> \(site.certPath.displaySafe)")
            }
        }
        let log = global.log
        for warning in config.warnings { log.warning("config: \(warning)") }
        if let scan = config.scan { printSummary(scan, elapsed: 0, label: "Certificate files named by the configs") }
    }

    /// `a.example on 443` for a served certificate; `client certificate for
    /// backend app server s1 10.0.0.1:8443` for one presented outward.
    static func describe(_ site: ConfigSite) -> String {
        switch site.role {
        case .client:
            return "client certificate for \(site.roleDetail ?? "outgoing connections")"
        case .ocspIssuer:
            return "OCSP issuer of \(site.roleDetail ?? "a certificate")"
        case .signing:
            return "CA signing certificates for \(site.roleDetail ?? "clients")"
        case .server:
            let names = site.names.isEmpty ? "(no server_name)" : site.names.joined(separator: " ")
            let ports = site.listeners.isEmpty ? site.ports.map(String.init).joined(separator: ",")
                : site.listeners.map(\.description).joined(separator: ", ")
            return "\(names) on \(ports.isEmpty ? "no TLS port" : ports)"
        }
    }

    private func printEndpoints(_ outcomes: [EndpointScanner.Outcome]) {
        guard !outcomes.isEmpty else { return }
        let palette = Palette(enabled: Terminal.useColor)
        let failed = outcomes.filter { $0.record.errorCode != nil }.count
        if !global.quiet { print("Probed \(outcomes.count) endpoints: \(outcomes.count - failed) answered, \(failed) failed.") }
        for outcome in outcomes {
            let record = outcome.record
            if let code = record.errorCode {
                print("  \(palette.red(record.ref.displaySafe)): \(code): \((record.error ?? "").displaySafe)")
            } else if !global.quiet {
                var line = "  \(record.ref.displaySafe): \((record.protocolVersion ?? "?").displaySafe), chain of \(record.chainFingerprints.count)"
                if record.verifyCode != 0 { line += ", verify: \((record.verifyMessage ?? "failed").displaySafe)" }
                if record.hostnameMatches == false { line += ", name mismatch" }
                if record.clientCertificate == "required" { line += ", client certificate required" }
                print(line)
            }
        }
    }

    private func printSummary(_ summary: ScanRecorder.Summary, elapsed: TimeInterval, label: String = "Scanned") {
        if !global.quiet {
            let files = summary.filesExamined + summary.filesUnchanged
            print("\(label): \(files) files in \(String(format: "%.2f", elapsed)) s (\(summary.filesUnchanged) unchanged, \(summary.filesSkipped) skipped): "
                  + "\(summary.certificatesSeen) certificate locations, \(summary.certificatesNew) new certificates, "
                  + "\(summary.keysSeen) private keys, \(summary.locationsGone) locations gone.")
        }
        // Warnings are diagnostics, not results: standard error, through the log (--quiet drops them).
        let log = global.log
        for warning in summary.warnings { log.warning("\(warning.ref): \(warning.reason)") }
        // Files recognised but not inventoried (CRLs, CSRs): one info line each, on the log too.
        for note in summary.notes { log.info("\(note.ref): \(note.reason)") }
    }
}

struct ScanSummaryJSON: Encodable {
    struct Warning: Encodable {
        let ref: String
        let reason: String
    }

    let scanID: Int64
    let seconds: Double
    var filesExamined: Int
    var filesUnchanged: Int
    var filesSkipped: Int
    var certificatesSeen: Int
    var certificatesNew: Int
    var keysSeen: Int
    var locationsGone: Int
    var warnings: [Warning]
    var notes: [Warning]
    var endpoints: [Endpoint]?
    var sites: [Site]?
    var configWarnings: [String]?

    struct Endpoint: Encodable {
        let ref: String
        let errorCode: String?
        let error: String?
        let protocolVersion: String?
        let tlsVersions: [String]?
        let chainSHA256: [String]
        let verifyCode: Int?
        let hostnameMatches: Bool?
        let clientCertificate: String?
        let newCertificates: Int

        init(_ outcome: EndpointScanner.Outcome) {
            let record = outcome.record
            ref = record.ref
            errorCode = record.errorCode
            error = record.error
            protocolVersion = record.protocolVersion
            tlsVersions = record.tlsVersions
            chainSHA256 = record.chainFingerprints
            verifyCode = record.verifyCode
            hostnameMatches = record.hostnameMatches
            clientCertificate = record.clientCertificate
            newCertificates = outcome.newCertificates
        }

        enum CodingKeys: String, CodingKey {
            case ref, error
            case errorCode = "error_code", protocolVersion = "protocol_version", tlsVersions = "tls_versions", chainSHA256 = "chain_sha256"
            case verifyCode = "verify_code", hostnameMatches = "hostname_matches", clientCertificate = "client_certificate"
            case newCertificates = "new_certificates"
        }
    }

    struct Site: Encodable {
        struct Directive: Encodable {
            let name: String
            let value: String
            let config: String
        }

        let server: String
        let config: String
        let names: [String]
        let ports: [UInt16]
        let certificate: String
        let key: String?
        let role: String
        let roleDetail: String?
        let listeners: [String]?
        let directives: [Directive]?

        init(_ site: ConfigSite) {
            server = site.server.rawValue
            config = site.location.description
            names = site.names
            ports = site.ports
            certificate = site.certPath
            key = site.keyPath
            role = site.role.rawValue
            roleDetail = site.roleDetail
            listeners = site.listeners.isEmpty ? nil : site.listeners.map(\.endpointSpec)
            directives = site.directives.isEmpty ? nil : site.directives.map { Directive(name: $0.name, value: $0.value, config: $0.location.description) }
        }

        enum CodingKeys: String, CodingKey {
            case server, config, names, ports, certificate, key, role, listeners, directives
            case roleDetail = "role_detail"
        }
    }

    static func empty(seconds: Double) -> ScanSummaryJSON {
        var summary = ScanRecorder.Summary(scanID: 0)
        summary.warnings = []
        return ScanSummaryJSON(summary, seconds: seconds)
    }

    /// Adds the counts of the scan of config-named files.
    mutating func merge(_ other: ScanRecorder.Summary) {
        filesExamined += other.filesExamined
        filesUnchanged += other.filesUnchanged
        filesSkipped += other.filesSkipped
        certificatesSeen += other.certificatesSeen
        certificatesNew += other.certificatesNew
        keysSeen += other.keysSeen
        locationsGone += other.locationsGone
        warnings += other.warnings.map { Warning(ref: $0.ref, reason: $0.reason) }
        notes += other.notes.map { Warning(ref: $0.ref, reason: $0.reason) }
    }

    init(_ summary: ScanRecorder.Summary, seconds: Double) {
        scanID = summary.scanID
        self.seconds = (seconds * 1000).rounded() / 1000
        filesExamined = summary.filesExamined
        filesUnchanged = summary.filesUnchanged
        filesSkipped = summary.filesSkipped
        certificatesSeen = summary.certificatesSeen
        certificatesNew = summary.certificatesNew
        keysSeen = summary.keysSeen
        locationsGone = summary.locationsGone
        warnings = summary.warnings.map { Warning(ref: $0.ref, reason: $0.reason) }
        notes = summary.notes.map { Warning(ref: $0.ref, reason: $0.reason) }
    }

    enum CodingKeys: String, CodingKey {
        case seconds, warnings, notes, endpoints, sites
        case scanID = "scan_id", filesExamined = "files_examined", filesUnchanged = "files_unchanged", filesSkipped = "files_skipped"
        case certificatesSeen = "certificates_seen", certificatesNew = "certificates_new", keysSeen = "keys_seen"
        case locationsGone = "locations_gone", configWarnings = "config_warnings"
    }
}

/// Byte sizes as operators write them: `10485760`, `512k`, `10M`, `1G`.
enum ByteSize {
    static func parse(_ text: String) throws -> Int64 {
        let multipliers: [Character: Int64] = ["k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "m": 1 << 20, "G": 1 << 30, "g": 1 << 30]
        var digits = Substring(text)
        var multiplier: Int64 = 1
        if let last = text.last, let value = multipliers[last] {
            multiplier = value
            digits = digits.dropLast()
        }
        guard let number = Int64(digits), number > 0 else {
            throw ValidationError("invalid size '\(text)': use a positive number of bytes, optionally with k, M or G (e.g. 10M)")
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        // Files are read whole into memory: 1 GiB is far beyond any certificate file.
        guard !overflow, bytes <= 1 << 30 else { throw ValidationError("invalid size '\(text)': at most 1G") }
        return bytes
    }
}
