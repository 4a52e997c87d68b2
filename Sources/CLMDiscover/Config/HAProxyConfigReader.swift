internal import Foundation

/// Reads HAProxy configuration: `bind ... ssl crt FILE|DIR [crt-list FILE]`
/// lines in `frontend` and `listen` sections, `crt-base` from `global`, and
/// crt-list files (`path [ssl options] [sni filters]`).
///
/// A `crt` directory loads every certificate file in it (HAProxy skips
/// `.key`, `.ocsp`, `.issuer`, `.sctl` companions). The key is the
/// `FILE.key` beside the certificate when it exists, else the PEM itself.
public struct HAProxyConfigReader: Sendable {
    public init() {}

    private static let companionSuffixes = [".key", ".ocsp", ".issuer", ".sctl", ".bak", "~"]
    private static let sections: Set<String> = ["global", "defaults", "frontend", "backend", "listen", "userlist",
                                               "peers", "resolvers", "mailers", "program", "http-errors", "ring",
                                               "cache", "crt-store", "log-forward", "traces"]

    public func read(mainFile path: String) -> ConfigScan {
        let main = ConfigFiles.resolve(path, relativeTo: FileManager.default.currentDirectoryPath)
        var scan = ConfigScan(files: [main])
        guard let text = ConfigFiles.read(main) else {
            scan.warnings.append(ConfigWarning(ConfigLocation(file: main, line: 0), "cannot read the file"))
            return scan
        }
        let configDir = (main as NSString).deletingLastPathComponent
        var section = ""
        var crtBase: String?
        var binds: [(words: [String], location: ConfigLocation)] = []

        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let location = ConfigLocation(file: main, line: number + 1)
            let words: [String]
            do { words = try Self.words(String(rawLine)) } catch {
                scan.warnings.append(ConfigWarning(location, "unterminated quote"))
                continue
            }
            guard let keyword = words.first else { continue }
            if Self.sections.contains(keyword) {
                section = keyword
                continue
            }
            switch (section, keyword) {
            case ("global", "crt-base"):
                if let dir = words.dropFirst().first { crtBase = ConfigFiles.resolve(dir, relativeTo: configDir) }
            case ("frontend", "bind"), ("listen", "bind"):
                binds.append((words, location))
            case (_, "bind") where section != "frontend" && section != "listen":
                scan.warnings.append(ConfigWarning(location, "'bind' outside a frontend or listen section"))
            default:
                continue
            }
        }

        let base = crtBase ?? configDir
        for (words, location) in binds {
            guard words.count >= 2 else {
                scan.warnings.append(ConfigWarning(location, "bind without an address"))
                continue
            }
            let (addresses, ports) = Self.parseBindAddresses(words[1])
            let params = Array(words.dropFirst(2))
            guard params.contains("ssl") else { continue }
            var foundCertificate = false
            var i = 0
            while i < params.count {
                let param = params[i]
                let value = i + 1 < params.count ? params[i + 1] : nil
                if param == "crt" || param == "crt-list" {
                    guard let value else {
                        scan.warnings.append(ConfigWarning(location, "'\(param)' without a file"))
                        break
                    }
                    foundCertificate = true
                    let path = ConfigFiles.resolve(value, relativeTo: base)
                    if param == "crt" {
                        scan.sites += certificates(at: path, names: [], location: location, ports: ports,
                                                   addresses: addresses, warnings: &scan.warnings)
                    } else {
                        scan.files.append(path)
                        scan.sites += crtList(path, base: base, bindLocation: location, ports: ports,
                                              addresses: addresses, warnings: &scan.warnings)
                    }
                    i += 2
                    continue
                }
                i += 1
            }
            if !foundCertificate {
                scan.warnings.append(ConfigWarning(location, "bind with 'ssl' but no crt or crt-list"))
            }
        }
        return scan
    }

    private func certificates(at path: String, names: [String], location: ConfigLocation, ports: [UInt16],
                              addresses: [String], warnings: inout [ConfigWarning]) -> [ConfigSite] {
        var paths: [String]
        if ConfigFiles.isDirectory(path) {
            paths = ConfigFiles.files(in: path).filter { file in
                !Self.companionSuffixes.contains { file.hasSuffix($0) } && !(file as NSString).lastPathComponent.hasPrefix(".")
            }
            if paths.isEmpty { warnings.append(ConfigWarning(location, "crt directory \(path) holds no certificate")) }
        } else {
            if !ConfigFiles.exists(path) { warnings.append(ConfigWarning(location, "crt file \(path) does not exist")) }
            paths = [path]
        }
        return paths.map { cert in
            let separateKey = cert + ".key"
            let key = ConfigFiles.exists(separateKey) ? separateKey : cert
            return ConfigSite(server: .haproxy, location: location, names: names, ports: ports, addresses: addresses,
                              certPath: cert, keyPath: key)
        }
    }

    /// crt-list lines: `path [opts...] [sni filters...]`; `#` comments.
    private func crtList(_ path: String, base: String, bindLocation: ConfigLocation, ports: [UInt16],
                         addresses: [String], warnings: inout [ConfigWarning]) -> [ConfigSite] {
        guard let text = ConfigFiles.read(path) else {
            warnings.append(ConfigWarning(bindLocation, "cannot read crt-list \(path)"))
            return []
        }
        var sites: [ConfigSite] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let location = ConfigLocation(file: path, line: number + 1)
            var line = String(rawLine)
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            guard var words = try? Self.words(line), !words.isEmpty else { continue }
            let cert = ConfigFiles.resolve(words.removeFirst(), relativeTo: base)
            // Bracketed SSL options may span several words: "[alpn h2 ssl-min-ver TLSv1.2]".
            if let first = words.first, first.hasPrefix("[") {
                var closed = false
                while !words.isEmpty {
                    let w = words.removeFirst()
                    if w.hasSuffix("]") { closed = true; break }
                }
                if !closed { warnings.append(ConfigWarning(location, "'[' options without ']'")) }
            }
            let names = words.filter { !$0.hasPrefix("!") }
            sites += certificates(at: cert, names: names, location: location, ports: ports, addresses: addresses,
                                  warnings: &warnings).map { site in
                var s = site
                s.location = location
                return s
            }
        }
        return sites
    }

    /// `:443`, `*:443`, `10.0.0.1:443,10.0.0.2:443`, `:::443`, `ipv6@:::8443`, `:8000-8002`.
    static func parseBindAddresses(_ spec: String) -> ([String], [UInt16]) {
        var addresses: [String] = []
        var ports: [UInt16] = []
        for part in spec.split(separator: ",") {
            var item = String(part)
            if let at = item.firstIndex(of: "@") {
                let family = item[..<at]
                if ["unix", "abns", "fd", "sockpair"].contains(String(family)) { continue }
                item = String(item[item.index(after: at)...])
            }
            guard let colon = item.lastIndex(of: ":") else { continue }
            let address = String(item[..<colon])
            let portSpec = item[item.index(after: colon)...]
            let bounds = portSpec.split(separator: "-").compactMap { UInt16($0) }
            guard let low = bounds.first else { continue }
            let high = bounds.count > 1 ? bounds[1] : low
            for port in low...max(low, min(high, low &+ 255)) where !ports.contains(port) { ports.append(port) }
            let shown = address.isEmpty ? "*" : address
            if !addresses.contains(shown) { addresses.append(shown) }
        }
        return (addresses, ports)
    }

    struct UnterminatedQuote: Error {}

    /// HAProxy word splitting: whitespace, `"` and `'` quotes, `\` escapes, `#` comments.
    static func words(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        let iterator = Array(line)
        var i = 0
        while i < iterator.count {
            let c = iterator[i]
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" && i + 1 < iterator.count {
                    i += 1
                    current.append(iterator[i])
                } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                inWord = true
            } else if c == "\\" && i + 1 < iterator.count {
                i += 1
                current.append(iterator[i])
                inWord = true
            } else if c == "#" {
                break
            } else if c.isWhitespace {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(c)
                inWord = true
            }
            i += 1
        }
        if quote != nil { throw UnterminatedQuote() }
        if inWord { words.append(current) }
        return words
    }
}
