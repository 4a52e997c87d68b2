internal import Foundation

/// Reads nginx configuration: follows `include` (globs, relative to the
/// main file's directory), and reports per `server` block which certificate
/// is served for which names and ports.
///
/// `ssl_certificate` / `ssl_certificate_key` set at `http` (or `stream`)
/// level are inherited by servers that set none. A server block with
/// several `ssl_certificate` lines (RSA + ECDSA) gives one site per
/// certificate. Problems are warnings with `file:line`, never thrown.
public struct NginxConfigReader: Sendable {
    /// Deepest include nesting followed.
    public var maxIncludeDepth: Int

    public init(maxIncludeDepth: Int = 16) {
        self.maxIncludeDepth = maxIncludeDepth
    }

    /// One directive; `block` is non-nil for `name args { ... }`.
    struct Directive {
        var name: String
        var args: [String]
        var location: ConfigLocation
        var block: [Directive]?
    }

    public func read(mainFile path: String) -> ConfigScan {
        var scan = ConfigScan()
        let main = ConfigFiles.resolve(path, relativeTo: FileManager.default.currentDirectoryPath)
        let confDir = (main as NSString).deletingLastPathComponent
        var state = ParseState(confDir: confDir, maxDepth: maxIncludeDepth)
        guard let directives = state.parseFile(main, depth: 0, includedFrom: nil) else {
            scan.warnings = state.warnings
            if scan.warnings.isEmpty {
                scan.warnings.append(ConfigWarning(ConfigLocation(file: main, line: 0), "cannot read the file"))
            }
            return scan
        }
        var sites: [ConfigSite] = []
        var warnings = state.warnings
        walk(directives, inherited: Inherited(), confDir: confDir, sites: &sites, warnings: &warnings)
        scan.sites = sites
        scan.warnings = warnings
        scan.files = state.files
        return scan
    }

    struct Inherited {
        var certificates: [(String, ConfigLocation)] = []
        var keys: [String] = []
    }

    private func walk(_ directives: [Directive], inherited: Inherited, confDir: String,
                      sites: inout [ConfigSite], warnings: inout [ConfigWarning]) {
        var level = inherited
        let ownCerts = directives.filter { $0.name == "ssl_certificate" }
        if !ownCerts.isEmpty {
            level.certificates = ownCerts.compactMap { d in d.args.first.map { ($0, d.location) } }
            level.keys = directives.filter { $0.name == "ssl_certificate_key" }.compactMap(\.args.first)
        }
        for directive in directives {
            guard let block = directive.block else { continue }
            switch directive.name {
            case "server":
                server(block, at: directive.location, inherited: level, confDir: confDir, sites: &sites, warnings: &warnings)
            case "http", "stream", "mail":
                walk(block, inherited: level, confDir: confDir, sites: &sites, warnings: &warnings)
            default:
                continue
            }
        }
    }

    private func server(_ block: [Directive], at location: ConfigLocation, inherited: Inherited, confDir: String,
                        sites: inout [ConfigSite], warnings: inout [ConfigWarning]) {
        var names: [String] = []
        var ports: [UInt16] = []
        var addresses: [String] = []
        var anyListen = false
        var sslOn = false
        var certs: [(String, ConfigLocation)] = []
        var keys: [String] = []
        for d in block {
            switch d.name {
            case "server_name":
                names += d.args.filter { $0 != "_" && !$0.isEmpty }
            case "listen":
                anyListen = true
                guard let spec = d.args.first else { continue }
                let flags = Set(d.args.dropFirst())
                guard flags.contains("ssl") || flags.contains("quic") else { continue }
                if let (address, port) = Self.parseListen(spec) {
                    if !ports.contains(port) { ports.append(port) }
                    if !addresses.contains(address) { addresses.append(address) }
                } else if !spec.hasPrefix("unix:") {
                    warnings.append(ConfigWarning(d.location, "cannot read the port in 'listen \(spec)'"))
                }
            case "ssl":
                sslOn = d.args.first == "on"
            case "ssl_certificate":
                if let path = d.args.first { certs.append((path, d.location)) }
            case "ssl_certificate_key":
                if let path = d.args.first { keys.append(path) }
            default:
                continue
            }
        }
        if sslOn && ports.isEmpty {
            // Legacy `ssl on;`: every listen is TLS (default 443 when none).
            for d in block where d.name == "listen" {
                if let spec = d.args.first, let (address, port) = Self.parseListen(spec) {
                    ports.append(port)
                    addresses.append(address)
                }
            }
            if !anyListen { ports = [443]; addresses = ["*"] }
        }
        if certs.isEmpty {
            // Inherited certificates matter only where this server speaks TLS.
            if ports.isEmpty { return }
            certs = inherited.certificates
            keys = inherited.keys
        }
        if certs.isEmpty {
            if !ports.isEmpty {
                warnings.append(ConfigWarning(location, "server listens with ssl on port(s) "
                    + ports.map(String.init).joined(separator: ",") + " but has no ssl_certificate"))
            }
            return
        }
        if ports.isEmpty {
            warnings.append(ConfigWarning(location, "server has ssl_certificate but no 'listen ... ssl'; the certificate is not served"))
        }
        for (index, (cert, certLocation)) in certs.enumerated() {
            if cert.contains("$") {
                warnings.append(ConfigWarning(certLocation, "ssl_certificate \(cert) uses variables; not followed"))
                continue
            }
            let certPath = ConfigFiles.resolve(cert, relativeTo: confDir)
            var keyPath: String?
            if index < keys.count { keyPath = ConfigFiles.resolve(keys[index], relativeTo: confDir) }
            if !ConfigFiles.exists(certPath) {
                warnings.append(ConfigWarning(certLocation, "ssl_certificate file \(certPath) does not exist"))
            }
            if keyPath == nil {
                warnings.append(ConfigWarning(certLocation, "no ssl_certificate_key for \(cert)"))
            } else if let keyPath, !ConfigFiles.exists(keyPath) {
                warnings.append(ConfigWarning(certLocation, "ssl_certificate_key file \(keyPath) does not exist"))
            }
            sites.append(ConfigSite(server: .nginx, location: certLocation, names: names, ports: ports,
                                    addresses: addresses, certPath: certPath, keyPath: keyPath))
        }
    }

    /// `443`, `*:443`, `127.0.0.1:8443`, `[::]:443`, `localhost` (port 80).
    static func parseListen(_ spec: String) -> (String, UInt16)? {
        if spec.hasPrefix("unix:") { return nil }
        if spec.hasPrefix("[") {
            guard let close = spec.firstIndex(of: "]") else { return nil }
            let address = String(spec[...close])
            let rest = spec[spec.index(after: close)...]
            if rest.isEmpty { return (address, 80) }
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else { return nil }
            return (address, port)
        }
        if let port = UInt16(spec) { return ("*", port) }
        if let colon = spec.lastIndex(of: ":") {
            guard let port = UInt16(spec[spec.index(after: colon)...]) else { return nil }
            return (String(spec[..<colon]), port)
        }
        return (spec, 80)
    }
}

/// Tokenizer, parser and include expansion.
private struct ParseState {
    let confDir: String
    let maxDepth: Int
    var warnings: [ConfigWarning] = []
    var files: [String] = []
    var stack: [String] = []
    /// Blocks open right now, across includes: the parser recurses per
    /// block, so a hostile file of nested braces must not reach the stack limit.
    var openBlocks = 0
    static let maxBlockNesting = 64

    init(confDir: String, maxDepth: Int) {
        self.confDir = confDir
        self.maxDepth = maxDepth
    }

    mutating func parseFile(_ path: String, depth: Int, includedFrom: ConfigLocation?) -> [NginxConfigReader.Directive]? {
        guard let text = ConfigFiles.read(path) else {
            if let includedFrom { warnings.append(ConfigWarning(includedFrom, "cannot read included file \(path)")) }
            else { warnings.append(ConfigWarning(ConfigLocation(file: path, line: 0), "cannot read the file")) }
            return nil
        }
        if stack.contains(path) {
            warnings.append(ConfigWarning(includedFrom ?? ConfigLocation(file: path, line: 0),
                                          "include loop: \(path) includes itself"))
            return nil
        }
        files.append(path)
        stack.append(path)
        defer { stack.removeLast() }
        var tokens = Tokenizer(text: text, file: path)
        var lexWarnings: [ConfigWarning] = []
        let all = tokens.all(warnings: &lexWarnings)
        warnings += lexWarnings
        var index = 0
        let result = parseBlock(all, &index, file: path, depth: depth, opener: nil)
        return result
    }

    mutating func parseBlock(_ tokens: [Token], _ index: inout Int, file: String, depth: Int,
                             opener: ConfigLocation?) -> [NginxConfigReader.Directive] {
        var directives: [NginxConfigReader.Directive] = []
        var words: [Token] = []
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token.kind {
            case .word:
                words.append(token)
            case .semicolon:
                guard let head = words.first else {
                    warnings.append(ConfigWarning(token.location, "unexpected ';'"))
                    continue
                }
                let args = words.dropFirst().map(\.text)
                if head.text == "include" {
                    directives += expandInclude(args, at: head.location, depth: depth)
                } else {
                    directives.append(.init(name: head.text, args: args, location: head.location, block: nil))
                }
                words = []
            case .open:
                guard openBlocks < Self.maxBlockNesting else {
                    warnings.append(ConfigWarning(token.location, "blocks nested deeper than \(Self.maxBlockNesting); this block is skipped"))
                    Self.skipBlock(tokens, &index)
                    words = []
                    continue
                }
                openBlocks += 1
                defer { openBlocks -= 1 }
                guard let head = words.first else {
                    warnings.append(ConfigWarning(token.location, "'{' without a directive name"))
                    _ = parseBlock(tokens, &index, file: file, depth: depth, opener: token.location)
                    continue
                }
                let block = parseBlock(tokens, &index, file: file, depth: depth, opener: head.location)
                directives.append(.init(name: head.text, args: words.dropFirst().map(\.text), location: head.location, block: block))
                words = []
            case .close:
                if !words.isEmpty {
                    warnings.append(ConfigWarning(words[0].location, "directive '\(words[0].text)' is missing its ';'"))
                }
                if opener == nil {
                    warnings.append(ConfigWarning(token.location, "unexpected '}' (unbalanced braces)"))
                    words = []
                    continue
                }
                return directives
            }
        }
        if !words.isEmpty {
            warnings.append(ConfigWarning(words[0].location, "directive '\(words[0].text)' is missing its ';' at end of file"))
        }
        if let opener {
            warnings.append(ConfigWarning(opener, "block opened here is never closed (unbalanced braces)"))
        }
        return directives
    }

    /// Moves past the block whose `{` was just read, without recursing.
    static func skipBlock(_ tokens: [Token], _ index: inout Int) {
        var open = 1
        while index < tokens.count, open > 0 {
            switch tokens[index].kind {
            case .open: open += 1
            case .close: open -= 1
            default: break
            }
            index += 1
        }
    }

    mutating func expandInclude(_ args: [String], at location: ConfigLocation, depth: Int) -> [NginxConfigReader.Directive] {
        guard let pattern = args.first else {
            warnings.append(ConfigWarning(location, "include without a file"))
            return []
        }
        guard depth < maxDepth else {
            warnings.append(ConfigWarning(location, "include nesting deeper than \(maxDepth); not followed"))
            return []
        }
        let absolute = ConfigFiles.resolve(pattern, relativeTo: confDir)
        let matches = ConfigFiles.glob(absolute)
        if matches.isEmpty {
            if !absolute.contains(where: { "*?[".contains($0) }) {
                warnings.append(ConfigWarning(location, "included file \(absolute) does not exist"))
            }
            return []
        }
        var out: [NginxConfigReader.Directive] = []
        for file in matches where !ConfigFiles.isDirectory(file) {
            out += parseFile(file, depth: depth + 1, includedFrom: location) ?? []
        }
        return out
    }
}

struct Token {
    enum Kind { case word, semicolon, open, close }
    var kind: Kind
    var text: String
    var location: ConfigLocation
}

/// nginx lexical rules: `#` comments, `'` and `"` quotes with `\` escapes,
/// `;`, `{` and `}` as separate tokens.
private struct Tokenizer {
    let chars: [Character]
    let file: String
    var position = 0
    var line = 1

    init(text: String, file: String) {
        chars = Array(text)
        self.file = file
    }

    mutating func all(warnings: inout [ConfigWarning]) -> [Token] {
        var tokens: [Token] = []
        while position < chars.count {
            let c = chars[position]
            if c == "\n" { line += 1; position += 1; continue }
            if c.isWhitespace { position += 1; continue }
            if c == "#" {
                while position < chars.count && chars[position] != "\n" { position += 1 }
                continue
            }
            let here = ConfigLocation(file: file, line: line)
            switch c {
            case ";": tokens.append(Token(kind: .semicolon, text: ";", location: here)); position += 1
            case "{": tokens.append(Token(kind: .open, text: "{", location: here)); position += 1
            case "}": tokens.append(Token(kind: .close, text: "}", location: here)); position += 1
            case "\"", "'":
                position += 1
                var text = ""
                var closed = false
                while position < chars.count {
                    let d = chars[position]
                    if d == "\\" && position + 1 < chars.count {
                        text.append(chars[position + 1])
                        position += 2
                        continue
                    }
                    if d == c { closed = true; position += 1; break }
                    if d == "\n" { line += 1 }
                    text.append(d)
                    position += 1
                }
                if !closed { warnings.append(ConfigWarning(here, "unterminated quoted string")) }
                tokens.append(Token(kind: .word, text: text, location: here))
            default:
                var text = ""
                while position < chars.count {
                    let d = chars[position]
                    if d.isWhitespace || d == ";" || d == "{" || d == "}" { break }
                    if d == "\\" && position + 1 < chars.count {
                        text.append(chars[position + 1])
                        position += 2
                        continue
                    }
                    text.append(d)
                    position += 1
                }
                tokens.append(Token(kind: .word, text: text, location: here))
            }
        }
        return tokens
    }
}
