internal import Foundation

/// Reads nginx configuration: follows `include` (globs, relative to the
/// main file's directory), and reports per `server` block which certificate
/// is served for which names and ports.
///
/// `ssl_certificate` / `ssl_certificate_key` set at `http`, `stream` or
/// `mail` level are inherited by servers that set none. A server block with
/// several `ssl_certificate` lines (RSA + ECDSA) gives one site per
/// certificate (see `NginxConfigReader+Sites.swift` for mail, stream and
/// upstream client certificates). Problems are warnings with `file:line`,
/// never thrown.
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
        var collector = SiteCollector(confDir: confDir, warnings: state.warnings)
        walk(directives, context: nil, inherited: Inherited(), into: &collector)
        scan.sites = collector.sites
        scan.warnings = collector.warnings
        scan.files = state.files
        return scan
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

/// nginx lexical rules (ngx_conf_read_token): `#` comments, `'` and `"`
/// quotes with `\` escapes, `;`, `{` and `}` as separate tokens where a
/// token starts. Inside a word only whitespace, `;` and `{` end it, and a
/// `{` right after `$` belongs to the word (`${uri}`), so `}` does too.
///
/// The body of a `*_by_lua_block { ... }` is Lua, skipped as ngx_lua's own
/// lexer does (strings, comments and long brackets may hold braces).
private struct Tokenizer {
    let chars: [Character]
    let file: String
    var position = 0
    var line = 1
    /// The first word of the directive being read, and how many words it has so far.
    var head: String?
    var wordsInDirective = 0

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
            case ";", "{", "}":
                let kind: Token.Kind = c == ";" ? .semicolon : c == "{" ? .open : .close
                tokens.append(Token(kind: kind, text: String(c), location: here))
                position += 1
                if c == "{", let head, head.hasSuffix("_by_lua_block") {
                    skipLua(opener: here, warnings: &warnings)
                    tokens.append(Token(kind: .close, text: "}", location: ConfigLocation(file: file, line: line)))
                }
                head = nil
                wordsInDirective = 0
                continue
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
                appendWord(text, at: here, to: &tokens)
            default:
                var text = ""
                while position < chars.count {
                    let d = chars[position]
                    if d.isWhitespace || d == ";" || (d == "{" && text.last != "$") { break }
                    if d == "\\" && position + 1 < chars.count {
                        text.append(chars[position + 1])
                        position += 2
                        continue
                    }
                    text.append(d)
                    position += 1
                }
                appendWord(text, at: here, to: &tokens)
            }
        }
        return tokens
    }

    private mutating func appendWord(_ text: String, at location: ConfigLocation, to tokens: inout [Token]) {
        if wordsInDirective == 0 { head = text }
        wordsInDirective += 1
        tokens.append(Token(kind: .word, text: text, location: location))
    }

    /// Skips a Lua block body up to its closing `}` (consumed). Lua strings
    /// (`'...'`, `"..."`, `[[...]]`, `[==[...]==]`) and comments (`-- ...`,
    /// `--[[...]]`) may hold braces that do not count.
    private mutating func skipLua(opener: ConfigLocation, warnings: inout [ConfigWarning]) {
        var depth = 1
        while position < chars.count {
            let c = chars[position]
            switch c {
            case "\n":
                line += 1
                position += 1
            case "{":
                depth += 1
                position += 1
            case "}":
                depth -= 1
                position += 1
                if depth == 0 { return }
            case "\"", "'":
                position += 1
                while position < chars.count, chars[position] != c, chars[position] != "\n" {
                    position += chars[position] == "\\" ? 2 : 1
                }
                position += 1
            case "-" where peek(1) == "-":
                position += 2
                if !skipLongBracket() {
                    while position < chars.count, chars[position] != "\n" { position += 1 }
                }
            case "[":
                if !skipLongBracket() { position += 1 }
            default:
                position += 1
            }
        }
        warnings.append(ConfigWarning(opener, "Lua block opened here is never closed"))
    }

    private func peek(_ offset: Int) -> Character? {
        position + offset < chars.count ? chars[position + offset] : nil
    }

    /// At `[`, `[=`...: skips a Lua long bracket `[==[ ... ]==]` and
    /// returns true; returns false (nothing consumed) when this is no long bracket.
    private mutating func skipLongBracket() -> Bool {
        guard peek(0) == "[" else { return false }
        var level = 0
        while peek(1 + level) == "=" { level += 1 }
        guard peek(1 + level) == "[" else { return false }
        position += level + 2
        let closing: [Character] = ["]"] + Array(repeating: "=", count: level) + ["]"]
        while position < chars.count {
            if chars[position] == "\n" { line += 1 }
            if chars[position] == "]", position + closing.count <= chars.count,
               Array(chars[position..<position + closing.count]) == closing {
                position += closing.count
                return true
            }
            position += 1
        }
        return true
    }
}
