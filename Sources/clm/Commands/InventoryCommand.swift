import ArgumentParser
import CLMCore
import CLMInventory
import Foundation

/// `clm inventory list|show`
struct InventoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "List and show what the inventory holds.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )
}

extension InventoryCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Certificates by expiry, soonest first.",
            discussion: "JSON and CSV fields are described in docs/inventory-formats.md."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var hosts: HostScopeOptions

        @Option(name: .long, help: ArgumentHelp("Only certificates expiring within this duration (90s, 45m, 12h, 60d, 8w); expired ones included.", valueName: "duration"),
                transform: { try DurationSpec(parsing: $0) })
        var expiring: DurationSpec?

        @Flag(name: .long, help: "Include certificates whose every location is gone.")
        var includeGone = false

        @Option(name: .long, help: "Output format.")
        var format: OutputFormat = .table

        func run() throws {
            let inventory = try hosts.open(global, default: .thisHost)
            let now = Date()
            // Saturating: a huge --expiring (e.g. 99999999999d) means "everything", not an overflow trap.
            let limit = expiring.map { Int64(now.timeIntervalSince1970).addingReportingOverflow($0.seconds) }.map { $0.overflow ? Int64.max : $0.partialValue }
            let certificates: [InventoryCertificate]
            do { certificates = try inventory.scans.listCertificates(notAfterBefore: limit, includeGone: includeGone) } catch {
                throw CommandFailure.failed(error.description)
            }
            switch format {
            case .json:
                let rows = certificates.map { CertificateJSON($0, now: now, detailed: false) }
                print(String(decoding: try Timestamp.encoder().encode(rows), as: UTF8.self))
            case .csv:
                print(CertificateCSV.render(certificates, now: now), terminator: "")
            case .table:
                print(renderTable(certificates, now: now, showHosts: inventory.isShared), terminator: "")
            }
        }

        private func renderTable(_ certificates: [InventoryCertificate], now: Date, showHosts: Bool) -> String {
            guard !certificates.isEmpty else { return global.quiet ? "" : "No certificates in the inventory match.\n" }
            let palette = Palette(enabled: Terminal.useColor)
            var table = TextTable(headers: ["ID", "DAYS", "NOT AFTER", "SUBJECT / SANS", "KEY", "ISSUER", "LOCS"] + (showHosts ? ["HOSTS"] : []))
            for certificate in certificates {
                let facts = certificate.facts
                let days = Timestamp.daysLeft(notAfter: facts.notAfter, now: now)
                let names = facts.subjectAlternativeNames.map(\.value)
                let subject = facts.subjectCN ?? facts.subject
                let label = names.isEmpty || names == [subject] ? subject : ([subject] + names.filter { $0 != subject }).joined(separator: ", ")
                var decoration: ((String) -> String)?
                if days < 0 {
                    decoration = { palette.red($0) }
                } else if days < 30 {
                    decoration = { palette.yellow($0) }
                }
                table.append([String(certificate.id), String(days), String(Timestamp.rfc3339(facts.notAfter).prefix(10)), label,
                              facts.keyDescription, facts.issuerCN ?? facts.issuer, String(certificate.activeLocationCount)]
                                + (showHosts ? [certificate.hosts.joined(separator: ",")] : []),
                             decoration: decoration)
            }
            return table.render(maxWidth: [3: 60, 5: 40, 7: 60])
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One certificate with its locations and matching private keys.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var hosts: HostScopeOptions

        @Argument(help: ArgumentHelp("Inventory id or SHA-256 fingerprint (a unique prefix of 8+ hex digits; colons allowed).", valueName: "id|fingerprint"))
        var key: String

        @Option(name: .long, help: "Output format.")
        var format: OutputFormat = .table

        func validate() throws {
            if format == .csv { throw ValidationError("--format csv is for listings; use table or json") }
        }

        func run() throws {
            let inventory = try hosts.open(global, default: .thisHost)
            let certificate: InventoryCertificate
            do { certificate = try inventory.scans.certificate(matching: key) } catch {
                throw CommandFailure.failed(error.description)
            }
            let now = Date()
            // Sites whose certificate file is one of this certificate's present file locations.
            let files = Set(certificate.locations.filter { $0.kind == .file && $0.goneSince == nil }.map(\.ref))
            let sites = try inventory.scans.sites().filter { site in site.certificatePath.map(files.contains) ?? false }
            if format == .json {
                let json = CertificateJSON(certificate, now: now, detailed: true, sites: sites)
                print(String(decoding: try Timestamp.encoder().encode(json), as: UTF8.self))
                return
            }
            let facts = certificate.facts
            let days = Timestamp.daysLeft(notAfter: facts.notAfter, now: now)
            var lines: [(String, String)] = [
                ("ID", String(certificate.id)),
                ("Fingerprint", facts.fingerprintSHA256),
                ("Subject", facts.subject),
                ("Issuer", facts.issuer),
                ("Serial", facts.serial),
                ("Valid", "\(Timestamp.rfc3339(facts.notBefore)) to \(Timestamp.rfc3339(facts.notAfter)) (\(days < 0 ? "expired \(DayCount.text(Int64(-days))) ago" : "\(DayCount.text(Int64(days))) left"))"),
                ("Names", facts.subjectAlternativeNames.map { "\($0.kind.rawValue):\($0.value)" }.joined(separator: ", ")),
                ("Key", facts.keyDescription),
                ("Signature", facts.signatureAlgorithm),
                ("CA", facts.isCA ? "yes" : "no"),
                ("Self-signed", facts.isSelfSigned ? "yes" : "no"),
                ("SPKI SHA-256", facts.spkiSHA256),
            ]
            if let aki = facts.authorityKeyID { lines.append(("Authority key ID", aki)) }
            if let ski = facts.subjectKeyID { lines.append(("Subject key ID", ski)) }
            lines.append(("First seen", Timestamp.rfc3339(certificate.firstSeen)))
            lines.append(("Last seen", Timestamp.rfc3339(certificate.lastSeen)))
            let width = lines.map(\.0.count).max() ?? 0
            for (label, value) in lines { print("\(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(value.displaySafe)") }
            print("\nLocations (\(certificate.activeLocationCount) present):")
            for location in certificate.locations {
                let state = location.goneSince.map { "gone since \(Timestamp.rfc3339($0))" } ?? "last seen \(Timestamp.rfc3339(location.lastSeen))"
                print("  \(HostLabel.prefix(location.host).displaySafe)\(location.kind.rawValue) \(location.ref.displaySafe) [\(location.position)] \(state)")
            }
            if !sites.isEmpty {
                print("\nUsed by (\(sites.count) config sites):")
                for site in sites {
                    var line = "  \(site.source) \(site.configFile):\(site.configLine) \(site.role)"
                    if let detail = site.roleDetail { line += " (\(detail))" }
                    if !site.serverNames.isEmpty { line += " \(site.serverNames.joined(separator: " "))" }
                    if !site.listen.isEmpty { line += " on \(site.listen.joined(separator: ", "))" }
                    print(line.displaySafe)
                }
            }
            print("\nPrivate keys (\(certificate.privateKeys.count)):")
            for key in certificate.privateKeys {
                let mode = String(format: "%04o", key.mode)
                print("  \(HostLabel.prefix(key.host).displaySafe)\(key.path.displaySafe) \(key.format)\(key.encrypted ? " encrypted" : "") owner \(key.ownerUID):\(key.ownerGID) mode \(mode)")
            }
        }
    }
}

/// The CSV listing: one row per certificate, the JSON fields flattened
/// (lists joined with spaces). Documented in docs/inventory-formats.md.
enum CertificateCSV {
    static let headers = [
        "id", "fingerprint_sha256", "subject", "subject_cn", "issuer", "issuer_cn", "serial", "not_before", "not_after",
        "days_left", "san_dns", "san_ip", "san_email", "san_uri", "key_algorithm", "key_bits", "key_curve",
        "signature_algorithm", "is_ca", "self_signed", "spki_sha256", "authority_key_id", "subject_key_id",
        "location_count", "first_seen", "last_seen",
    ]

    static func render(_ certificates: [InventoryCertificate], now: Date) -> String {
        var out = CSV.row(headers)
        for certificate in certificates {
            let row = CertificateJSON(certificate, now: now, detailed: false)
            out += CSV.row([
                String(row.id), row.fingerprintSHA256, row.subject, row.subjectCN ?? "", row.issuer, row.issuerCN ?? "",
                row.serial, row.notBefore, row.notAfter, String(row.daysLeft), row.sans.dns.joined(separator: " "),
                row.sans.ip.joined(separator: " "), row.sans.email.joined(separator: " "), row.sans.uri.joined(separator: " "),
                row.keyAlgorithm, row.keyBits.map(String.init) ?? "", row.keyCurve ?? "", row.signatureAlgorithm,
                String(row.isCA), String(row.selfSigned), row.spkiSHA256, row.authorityKeyID ?? "", row.subjectKeyID ?? "",
                String(row.locationCount), row.firstSeen, row.lastSeen,
            ])
        }
        return out
    }
}
