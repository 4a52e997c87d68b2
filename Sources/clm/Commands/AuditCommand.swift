import CLMCore
import ArgumentParser
import CLMAudit
import CLMDiscover
import CLMInventory
import Foundation

/// `clm audit [--policy FILE] [--format ...] [--fail-on SEV] [--only rule,rule] [--rescan]`
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Judge the inventory against a policy.",
        discussion: """
            Reads only the inventory (no network); --rescan first rescans the paths of the last scan. \
            Without --policy the built-in copy of Policies/default.yaml is used. Exit status 1 when any \
            finding is at or above --fail-on, 2 for a bad policy or option. Rules and formats: docs/audit.md.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, sarif, csv
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hosts: HostScopeOptions

    @Option(name: .long, help: ArgumentHelp("Policy file (default: the built-in default policy).", valueName: "file"),
            completion: .file(extensions: ["yaml", "yml"]))
    var policy: String?

    @Option(name: .long, help: "Output format.")
    var format: Format = .table

    @Option(name: .customLong("fail-on"),
            help: ArgumentHelp("Exit 1 when a finding is at or above this severity (info, low, medium, high, critical).", valueName: "severity"),
            transform: AuditCommand.parseSeverity)
    var failOn: Severity = .high

    @Option(name: .long, help: ArgumentHelp("Run only these rules (comma-separated; repeatable).", valueName: "rule,rule"))
    var only: [String] = []

    @Option(name: .customLong("sarif-root"),
            help: ArgumentHelp("Make SARIF file URIs relative to this directory (default: the scan roots; for GitHub code scanning, the repository checkout).", valueName: "dir"),
            completion: .directory)
    var sarifRoot: String?

    @Flag(name: .long, help: "Rescan the paths of the last scan before auditing.")
    var rescan = false

    static func parseSeverity(_ text: String) throws -> Severity {
        guard let severity = Severity(rawValue: text.lowercased()) else {
            throw ValidationError("invalid severity '\(text)': use one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return severity
    }

    var onlyRules: [String]? {
        let names = only.flatMap { $0.split(separator: ",") }.map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names.isEmpty ? nil : names
    }

    func validate() throws {
        if let names = onlyRules, let unknown = names.first(where: { RuleCatalog.descriptor(named: $0) == nil }) {
            throw ValidationError("--only: unknown rule '\(unknown)' (known: \(RuleCatalog.all.map(\.name).joined(separator: ", ")))")
        }
    }

    func run() throws {
        let loaded: Policy
        do { loaded = try policy.map { try PolicyLoader().load(path: $0) } ?? PolicyLoader().loadDefault() } catch {
            throw CommandFailure.usage("\(error)")
        }
        let inventory = try hosts.open(global, default: .allHosts)
        do { try inventory.snapshotFleet() } catch { throw CommandFailure.inventory(error) }
        if rescan { try rescanLastRoots(inventory) }
        let report: AuditReport
        do { report = try Auditor(policy: loaded).run(inventory: inventory, now: Date(), only: onlyRules) } catch {
            switch error {
            case .unknownRule, .ruleNotInPolicy: throw CommandFailure.usage(error.description)
            case .inventory: throw CommandFailure.failed(error.description)
            }
        }
        // Kept for `clm metrics` and `clm report`; an audit that cannot record still reports.
        let counts = Dictionary(uniqueKeysWithValues: report.counts.map { ($0.key.rawValue, $0.value) })
        do { try inventory.audit.recordRun(policy: report.policy, counts: counts, at: report.generatedAt) } catch {
            global.log.warning("audit outcome not recorded: \(error)")
        }
        switch format {
        case .json: print(report.json())
        case .csv: print(report.csv(), terminator: "")
        case .sarif:
            let roots = sarifRoot.map { [URL(fileURLWithPath: $0).standardizedFileURL.path] } ?? ((try? inventory.metrics.scanSources().map(\.root)) ?? [])
            print(report.sarif(toolVersion: CLMVersion.current, roots: roots))
        case .table: print(AuditTable.render(report, quiet: global.quiet, failOn: failOn), terminator: "")
        }
        if report.hasFindings(atOrAbove: failOn) { throw CommandFailure.findings }
    }

    private func rescanLastRoots(_ inventory: Inventory) throws {
        let roots: [String]
        do { roots = try inventory.scans.lastScanRoots() } catch { throw CommandFailure.failed(error.description) }
        guard !roots.isEmpty else {
            throw CommandFailure.usage("--rescan: the inventory has no earlier scan; run `clm scan PATH...` first")
        }
        do { _ = try FileScanner(inventory: inventory).scan(roots: roots) } catch {
            throw CommandFailure.failed("--rescan of \(roots.joined(separator: ", ")): \(error.description)")
        }
    }
}

/// Findings for people: grouped by severity, most severe first, fixes once per rule.
enum AuditTable {
    static func render(_ report: AuditReport, quiet: Bool, failOn: Severity) -> String {
        let palette = Palette(enabled: Terminal.useColor)
        var out = ""
        if report.findings.isEmpty {
            return quiet ? "" : "No findings (policy \(report.policy), \(report.rules.count) rules).\n"
        }
        for severity in Severity.allCases.reversed() {
            let group = report.findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            let heading = "\(severity.rawValue.uppercased()) (\(group.count))"
            out += (severity >= .high ? palette.red(heading) : severity == .medium ? palette.yellow(heading) : heading) + "\n"
            var table = TextTable(headers: ["CODE", "RULE", "SUBJECT", "LOCATION", "FINDING"])
            for finding in group {
                table.append([finding.code, finding.rule, finding.subject, finding.placeText ?? "", finding.message])
            }
            out += table.render(maxWidth: [2: 40, 3: 60]).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
            out += "\n"
        }
        if !quiet {
            out += "Fixes:\n"
            var seen: Set<String> = []
            for finding in report.findings where seen.insert(finding.code).inserted {
                out += "  \(finding.code) \(finding.rule): \(finding.fix)\n"
            }
            let counts = report.counts
            let summary = Severity.allCases.reversed().compactMap { severity in counts[severity].map { "\($0) \(severity.rawValue)" } }
            out += "\(report.findings.count) findings (\(summary.joined(separator: ", "))); policy \(report.policy); failing at \(failOn.rawValue) and above.\n"
        }
        return out
    }
}
