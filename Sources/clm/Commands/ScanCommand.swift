import ArgumentParser
import CLMCore
import CLMDiscover
import CLMInventory
import Foundation

/// `clm scan PATH...`
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find certificates and keys and record them in the inventory.",
        discussion: """
            Directories are walked recursively. Files are recognised by content, not name: PEM (bundles, \
            chains, CRLF), DER, PKCS#7, PKCS#12 and private keys (PKCS#1, PKCS#8, SEC1). Unchanged files \
            (same inode, size, mtime) are not read again. Problems are listed as warnings; the exit code \
            stays 0.
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

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one path to scan (e.g. clm scan /etc/ssl)") }
        if format == .csv { throw ValidationError("--format csv is for listings; use table or json") }
    }

    func run() async throws {
        let inventory = try global.openInventory()
        var options = FileScanner.Options()
        options.walker = FileWalker.Options(maxFileSize: maxFileSize, excludes: exclude)
        if let pkcs12PasswordFile {
            do {
                let text = try String(contentsOfFile: pkcs12PasswordFile, encoding: .utf8)
                options.pkcs12Passwords = text.split(whereSeparator: \.isNewline).map(String.init)
            } catch {
                throw CommandFailure.usage("--pkcs12-password-file \(pkcs12PasswordFile): cannot read: \(error.localizedDescription)")
            }
        }
        let progress = ProgressLine(enabled: !global.quiet)
        let scanner = FileScanner(inventory: inventory, options: options)
        let summary: ScanRecorder.Summary
        do {
            summary = try scanner.scan(roots: paths) { state in
                let rate = Double(state.filesExamined) / max(progress.elapsed, 0.001)
                progress.update("scanning: \(state.filesExamined) files (\(Int(rate)) files/s), \(state.certificatesSeen) certificates")
            }
        } catch {
            progress.clear()
            throw CommandFailure.failed(error.description)
        }
        progress.clear()
        let elapsed = progress.elapsed
        switch format {
        case .json:
            let data = try Timestamp.encoder().encode(ScanSummaryJSON(summary, seconds: elapsed))
            print(String(decoding: data, as: UTF8.self))
        case .table, .csv:
            printSummary(summary, elapsed: elapsed)
        }
    }

    private func printSummary(_ summary: ScanRecorder.Summary, elapsed: TimeInterval) {
        if !global.quiet {
            let files = summary.filesExamined + summary.filesUnchanged
            print("Scanned \(files) files in \(String(format: "%.2f", elapsed)) s (\(summary.filesUnchanged) unchanged, \(summary.filesSkipped) skipped): "
                  + "\(summary.certificatesSeen) certificate locations, \(summary.certificatesNew) new certificates, "
                  + "\(summary.keysSeen) private keys, \(summary.locationsGone) locations gone.")
        }
        if !summary.warnings.isEmpty {
            let palette = Palette(enabled: Terminal.useColor)
            print(palette.yellow("Warnings (\(summary.warnings.count)):"))
            for warning in summary.warnings { print("  \(warning.ref): \(warning.reason)") }
        }
    }
}

struct ScanSummaryJSON: Encodable {
    struct Warning: Encodable {
        let ref: String
        let reason: String
    }

    let scan_id: Int64
    let seconds: Double
    let files_examined: Int
    let files_unchanged: Int
    let files_skipped: Int
    let certificates_seen: Int
    let certificates_new: Int
    let keys_seen: Int
    let locations_gone: Int
    let warnings: [Warning]

    init(_ summary: ScanRecorder.Summary, seconds: Double) {
        scan_id = summary.scanID
        self.seconds = (seconds * 1000).rounded() / 1000
        files_examined = summary.filesExamined
        files_unchanged = summary.filesUnchanged
        files_skipped = summary.filesSkipped
        certificates_seen = summary.certificatesSeen
        certificates_new = summary.certificatesNew
        keys_seen = summary.keysSeen
        locations_gone = summary.locationsGone
        warnings = summary.warnings.map { Warning(ref: $0.ref, reason: $0.reason) }
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
        return number * multiplier
    }
}
