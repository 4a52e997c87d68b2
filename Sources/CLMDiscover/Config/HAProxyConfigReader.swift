internal import Foundation

/// Reads HAProxy configuration and lists every certificate HAProxy loads:
///
/// - `bind ... ssl crt FILE|DIR [crt-list FILE]` in `frontend`, `listen`,
///   `peers` and `log-forward` sections: certificates presented to clients
///   (role ``SiteRole/server``);
/// - `server NAME ADDR ... ssl crt FILE`, with `ssl` and `crt` inherited
///   from `default-server` (in `defaults`, `backend`, `listen`, `peers`,
///   `ring`): client certificates presented to backends and peers (role
///   ``SiteRole/client``);
/// - `load crt FILE [key FILE]` in `crt-store` sections, which `bind` and
///   `server` lines may then name;
/// - multi-certificate bundles and companion files, per
///   ``HAProxyCertificateFiles``, with `crt-base`, `ssl-load-extra-files`
///   and `ssl-load-extra-del-ext` from `global`.
///
/// Paths holding `${VAR}` are not followed: HAProxy expands them from its
/// own environment, which clm cannot see. `.if` blocks are read whole.
public struct HAProxyConfigReader: Sendable {
    public init() {}

    private static let sections: Set<String> = ["global", "defaults", "frontend", "backend", "listen", "userlist",
                                               "peers", "resolvers", "mailers", "program", "http-errors", "ring",
                                               "cache", "crt-store", "log-forward", "traces", "acme"]
    /// Sections where `bind` opens a TLS listener.
    fileprivate static let bindSections: Set<String> = ["frontend", "listen", "peers", "log-forward"]
    /// Sections whose `server` lines connect out.
    fileprivate static let serverSections: Set<String> = ["backend", "listen", "peers", "ring"]

    struct Line {
        var section: String
        var sectionName: String
        /// Counts section headers, so two sections of the same name differ.
        var sectionIndex: Int
        var words: [String]
        var location: ConfigLocation
    }

    public func read(mainFile path: String) -> ConfigScan {
        let main = ConfigFiles.resolve(path, relativeTo: FileManager.default.currentDirectoryPath)
        var scan = ConfigScan(files: [main])
        guard let text = ConfigFiles.read(main) else {
            scan.warnings.append(ConfigWarning(ConfigLocation(file: main, line: 0), "cannot read the file"))
            return scan
        }
        let lines = Self.lines(text, file: main, warnings: &scan.warnings)
        var reading = Reading(configDir: (main as NSString).deletingLastPathComponent)
        reading.readGlobals(lines)
        reading.readCertificateStores(lines)
        reading.readProxies(lines)
        scan.sites = reading.sites
        scan.warnings += reading.warnings
        scan.files += reading.crtLists
        return scan
    }

    /// Splits the file into words per line, remembering each line's section.
    static func lines(_ text: String, file: String, warnings: inout [ConfigWarning]) -> [Line] {
        var section = ""
        var sectionName = ""
        var sectionIndex = 0
        var result: [Line] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let location = ConfigLocation(file: file, line: number + 1)
            let words: [String]
            do { words = try Self.words(String(rawLine)) } catch {
                warnings.append(ConfigWarning(location, "unterminated quote"))
                continue
            }
            guard let keyword = words.first else { continue }
            if sections.contains(keyword) {
                section = keyword
                sectionName = words.count > 1 ? words[1] : ""
                sectionIndex += 1
                continue
            }
            result.append(Line(section: section, sectionName: sectionName, sectionIndex: sectionIndex, words: words,
                               location: location))
        }
        return result
    }

    /// The state of one read: settings from `global`, `crt-store` entries,
    /// and what was found so far.
    private struct Reading {
        let configDir: String
        var crtBase: String?
        var keyBase: String?
        var caBase: String?
        var files = HAProxyCertificateFiles()
        /// crt-store entries by the names a `crt` argument may use.
        var stored: [String: (loaded: HAProxyCertificateFiles.Loaded, location: ConfigLocation)] = [:]
        var sites: [ConfigSite] = []
        var warnings: [ConfigWarning] = []
        var crtLists: [String] = []

        init(configDir: String) { self.configDir = configDir }

        var base: String { crtBase ?? configDir }

        mutating func readGlobals(_ lines: [Line]) {
            for line in lines where line.section == "global" {
                switch line.words[0] {
                case "crt-base":
                    if let dir = line.words.dropFirst().first { crtBase = ConfigFiles.resolve(dir, relativeTo: configDir) }
                case "key-base":
                    if let dir = line.words.dropFirst().first { keyBase = ConfigFiles.resolve(dir, relativeTo: configDir) }
                case "ca-base":
                    if let dir = line.words.dropFirst().first { caBase = ConfigFiles.resolve(dir, relativeTo: configDir) }
                case "ssl-load-extra-files":
                    let (set, unknown) = HAProxyCertificateFiles.ExtraFiles.parse(line.words.dropFirst())
                    files.extraFiles = set
                    if let unknown { warnings.append(ConfigWarning(line.location, "unknown ssl-load-extra-files keyword '\(unknown)'")) }
                case "ssl-load-extra-del-ext":
                    files.deleteExtension = true
                default:
                    continue
                }
            }
        }

        /// `crt-store [NAME]` sections: `crt-base`, `key-base` and
        /// `load crt FILE [key FILE] [alias NAME]`. HAProxy loads these
        /// whether or not a bind uses them.
        mutating func readCertificateStores(_ lines: [Line]) {
            var storeIndex = -1
            var storeName = ""
            var storeCrtBase: String?
            var storeKeyBase: String?
            for line in lines where line.section == "crt-store" {
                if line.sectionIndex != storeIndex {
                    storeIndex = line.sectionIndex
                    storeName = line.sectionName
                    storeCrtBase = nil
                    storeKeyBase = nil
                }
                let words = line.words
                switch words[0] {
                case "crt-base": storeCrtBase = words.dropFirst().first.map { ConfigFiles.resolve($0, relativeTo: configDir) }
                case "key-base": storeKeyBase = words.dropFirst().first.map { ConfigFiles.resolve($0, relativeTo: configDir) }
                case "load":
                    let options = Self.options(words.dropFirst())
                    guard let crt = options["crt"] else {
                        warnings.append(ConfigWarning(line.location, "'load' without 'crt'"))
                        continue
                    }
                    guard let path = resolvedPath(crt, base: storeCrtBase ?? base, what: "crt", at: line.location) else { continue }
                    var loaded = HAProxyCertificateFiles.Loaded(certificate: path, key: path, ocspIssuer: nil)
                    if case .loaded(let found) = files.load(path), let first = found.first { loaded = first }
                    else { warnings.append(ConfigWarning(line.location, "crt file \(path) does not exist")) }
                    if let key = options["key"],
                       let keyPath = resolvedPath(key, base: storeKeyBase ?? keyBase ?? storeCrtBase ?? base, what: "key", at: line.location) {
                        loaded.key = keyPath
                        if !ConfigFiles.exists(keyPath) { warnings.append(ConfigWarning(line.location, "key file \(keyPath) does not exist")) }
                    }
                    let prefix = "@" + storeName + "/"
                    stored[prefix + (options["alias"] ?? crt)] = (loaded, line.location)
                    stored[path] = (loaded, line.location)
                    let detail = storeName.isEmpty ? "crt-store" : "crt-store \(storeName)"
                    append(loaded, role: .server, detail: detail, names: [], ports: [], addresses: [], at: line.location)
                default:
                    continue
                }
            }
        }

        /// `bind`, `server`, `default-server` and `peer` lines of every proxy.
        mutating func readProxies(_ lines: [Line]) {
            var defaultsServer = ServerSettings()
            var proxyServer = ServerSettings()
            var current = -1
            for line in lines {
                if line.sectionIndex != current {
                    current = line.sectionIndex
                    if line.section == "defaults" { defaultsServer = ServerSettings() }
                    // Proxies start from the last `defaults`; peers and rings do not.
                    proxyServer = ["backend", "listen"].contains(line.section) ? defaultsServer : ServerSettings()
                }
                let keyword = line.words[0]
                switch keyword {
                case "bind":
                    if HAProxyConfigReader.bindSections.contains(line.section) {
                        bind(line)
                    } else {
                        warnings.append(ConfigWarning(line.location, "'bind' outside a frontend, listen, peers or log-forward section"))
                    }
                case "default-server":
                    if line.section == "defaults" {
                        defaultsServer.apply(Array(line.words.dropFirst()))
                    } else if HAProxyConfigReader.serverSections.contains(line.section) {
                        proxyServer.apply(Array(line.words.dropFirst()))
                    }
                case "server", "server-template", "peer":
                    guard HAProxyConfigReader.serverSections.contains(line.section), keyword != "peer" || line.section == "peers" else { continue }
                    server(line, inherited: proxyServer)
                default:
                    continue
                }
            }
        }

        /// `ssl`, `check-ssl` and `crt` of a server line, as `default-server`
        /// leaves them for the servers after it. Health checks over TLS
        /// (`check-ssl`) present the server's `crt` too.
        struct ServerSettings {
            var ssl = false
            var checkSSL = false
            var crt: String?

            mutating func apply(_ params: [String]) {
                var i = 0
                while i < params.count {
                    switch params[i] {
                    case "ssl": ssl = true
                    case "no-ssl": ssl = false
                    case "check-ssl": checkSSL = true
                    case "no-check-ssl": checkSSL = false
                    case "crt":
                        if i + 1 < params.count { crt = params[i + 1]; i += 1 }
                    default: break
                    }
                    i += 1
                }
            }
        }

        /// `server NAME ADDR [params]`, `server-template PREFIX N ADDR
        /// [params]`, `peer NAME ADDR [params]`. In `peers`, a server
        /// without an address is the local peer: it listens (see its
        /// `bind`) and presents no client certificate.
        mutating func server(_ line: Line, inherited: ServerSettings) {
            let words = line.words
            let addressIndex = words[0] == "server-template" ? 3 : 2
            guard words.count > addressIndex - 1 else {
                warnings.append(ConfigWarning(line.location, "'\(words[0])' without a name"))
                return
            }
            let address = words.count > addressIndex ? words[addressIndex] : nil
            if line.section == "peers" && address == nil { return }
            var settings = inherited
            settings.apply(Array(words.dropFirst(addressIndex + 1)))
            guard settings.ssl || settings.checkSSL, let crt = settings.crt else { return }
            let (addresses, ports) = HAProxyConfigReader.parseBindAddresses(address ?? "")
            var detail = "\(line.section) \(line.sectionName) \(words[0]) \(words[1])"
            if let address { detail += " \(address)" }
            if !settings.ssl { detail += " (health checks)" }
            for loaded in certificates(crt, at: line.location) {
                append(loaded, role: .client, detail: detail, names: [], ports: ports, addresses: addresses, at: line.location)
            }
        }

        mutating func bind(_ line: Line) {
            let words = line.words
            guard words.count >= 2 else {
                warnings.append(ConfigWarning(line.location, "bind without an address"))
                return
            }
            let params = Array(words.dropFirst(2))
            let ssl = params.contains("ssl")
            guard ssl || params.contains("crt") || params.contains("crt-list") else { return }
            // HAProxy loads a crt given without `ssl`, but serves plain TCP/HTTP there.
            if !ssl { warnings.append(ConfigWarning(line.location, "bind has a certificate but no 'ssl'; HAProxy loads it but serves no TLS here")) }
            let (addresses, ports) = ssl ? HAProxyConfigReader.parseBindAddresses(words[1]) : ([], [])
            var foundCertificate = false
            var i = 0
            while i < params.count {
                let param = params[i]
                guard param == "crt" || param == "crt-list" else { i += 1; continue }
                guard i + 1 < params.count else {
                    warnings.append(ConfigWarning(line.location, "'\(param)' without a file"))
                    break
                }
                foundCertificate = true
                let value = params[i + 1]
                i += 2
                if let entry = stored[value] ?? stored[ConfigFiles.resolve(value, relativeTo: base)],
                   entry.location.file == line.location.file, entry.location.line > line.location.line {
                    warnings.append(ConfigWarning(line.location, "crt \(value) is used before the crt-store at line \(entry.location.line) loads it; HAProxy refuses this"))
                }
                if param == "crt" {
                    for loaded in certificates(value, at: line.location) {
                        append(loaded, role: .server, detail: nil, names: [], ports: ports, addresses: addresses, at: line.location)
                    }
                } else if let path = resolvedPath(value, base: configDir, what: "crt-list", at: line.location) {
                    // crt-base applies to the certificates a list names, not to the list.
                    crtLists.append(path)
                    crtList(path, bindAt: line.location, ports: ports, addresses: addresses)
                }
            }
            if !foundCertificate && !params.contains("generate-certificates") {
                warnings.append(ConfigWarning(line.location, "bind with 'ssl' but no crt or crt-list"))
            }
            // The CA (certificate and key in one file) that signs certificates made on the fly.
            if params.contains("generate-certificates"), let index = params.firstIndex(of: "ca-sign-file"), index + 1 < params.count,
               let path = resolvedPath(params[index + 1], base: caBase ?? configDir, what: "ca-sign-file", at: line.location) {
                if !ConfigFiles.exists(path) { warnings.append(ConfigWarning(line.location, "ca-sign-file \(path) does not exist")) }
                let loaded = HAProxyCertificateFiles.Loaded(certificate: path, key: path, ocspIssuer: nil)
                append(loaded, role: .signing, detail: "generate-certificates", names: [], ports: ports, addresses: addresses,
                       at: line.location)
            }
        }

        /// crt-list lines: `path [[ssl options]] [sni filters...]`; `#` comments.
        mutating func crtList(_ path: String, bindAt bindLocation: ConfigLocation, ports: [UInt16], addresses: [String]) {
            guard let text = ConfigFiles.read(path) else {
                warnings.append(ConfigWarning(bindLocation, "cannot read crt-list \(path)"))
                return
            }
            for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let location = ConfigLocation(file: path, line: number + 1)
                guard var words = try? HAProxyConfigReader.words(String(rawLine)), !words.isEmpty else { continue }
                let crt = words.removeFirst()
                // Bracketed SSL options may span several words: "[alpn h2 ssl-min-ver TLSv1.2]".
                if let first = words.first, first.hasPrefix("[") {
                    var closed = false
                    while !words.isEmpty {
                        if words.removeFirst().hasSuffix("]") { closed = true; break }
                    }
                    if !closed { warnings.append(ConfigWarning(location, "'[' options without ']'")) }
                }
                let names = words.filter { !$0.hasPrefix("!") }
                for loaded in certificates(crt, at: location) {
                    append(loaded, role: .server, detail: nil, names: names, ports: ports, addresses: addresses, at: location)
                }
            }
        }

        /// The files one `crt` argument loads, with a warning when none.
        mutating func certificates(_ value: String, at location: ConfigLocation) -> [HAProxyCertificateFiles.Loaded] {
            if let entry = stored[value] { return [entry.loaded] }
            guard let path = resolvedPath(value, base: base, what: "crt", at: location) else { return [] }
            if let entry = stored[path] { return [entry.loaded] }
            switch files.load(path) {
            case .loaded(let found):
                return found
            case .emptyDirectory:
                warnings.append(ConfigWarning(location, "crt directory \(path) holds no certificate"))
                return []
            case .missing(let triedBundle):
                let bundle = triedBundle ? " (nor \(path).rsa, .ecdsa or .dsa)" : ""
                warnings.append(ConfigWarning(location, "crt file \(path) does not exist\(bundle)"))
                return []
            }
        }

        /// `value` made absolute, or nil (with a warning) when HAProxy
        /// would expand environment variables in it.
        mutating func resolvedPath(_ value: String, base: String, what: String, at location: ConfigLocation) -> String? {
            if value.contains("${") {
                warnings.append(ConfigWarning(location, "\(what) \(value) uses environment variables, which HAProxy expands from its own environment; not followed"))
                return nil
            }
            return ConfigFiles.resolve(value, relativeTo: base)
        }

        mutating func append(_ loaded: HAProxyCertificateFiles.Loaded, role: SiteRole, detail: String?, names: [String],
                             ports: [UInt16], addresses: [String], at location: ConfigLocation) {
            var site = ConfigSite(server: .haproxy, location: location, names: names, ports: ports, addresses: addresses,
                                  certPath: loaded.certificate, keyPath: loaded.key)
            site.role = role
            site.roleDetail = detail
            sites.append(site)
            if let issuer = loaded.ocspIssuer {
                var issuerSite = ConfigSite(server: .haproxy, location: location, names: [], ports: [], addresses: [],
                                            certPath: issuer, keyPath: nil)
                issuerSite.role = .ocspIssuer
                issuerSite.roleDetail = loaded.certificate
                sites.append(issuerSite)
            }
        }

        /// `KEYWORD VALUE` pairs of a `load` line.
        static func options(_ words: ArraySlice<String>) -> [String: String] {
            var result: [String: String] = [:]
            var iterator = words.makeIterator()
            while let key = iterator.next() {
                guard let value = iterator.next() else { break }
                result[key] = value
            }
            return result
        }
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
