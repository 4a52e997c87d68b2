internal import Foundation

/// Reads Dovecot 2.3 configuration: `key = value` settings, `name [arg] { }`
/// sections, `!include` / `!include_try` with globs (relative to the file
/// that includes), and `$setting` in values (`protocols = $protocols imap`).
///
/// Sites: the global `ssl_cert = </path` / `ssl_key`, each `local_name NAME { }`
/// (names) and `local IP { }` (addresses) block, and `protocol NAME { }`
/// blocks that set their own certificate. Ports come from the enabled
/// `protocols` and the login services' `inet_listener`s (Dovecot's defaults:
/// imap 143 + imaps 993, pop3 110 + pop3s 995, submission 587, sieve 4190;
/// `port = 0` turns a listener off).
public struct DovecotConfigReader: Sendable {
    public var maxIncludeDepth: Int

    public init(maxIncludeDepth: Int = 16) {
        self.maxIncludeDepth = maxIncludeDepth
    }

    /// A setting or a section, includes already expanded.
    indirect enum Node {
        case setting(key: String, value: String, location: ConfigLocation)
        case section(type: String, name: String, location: ConfigLocation, children: [Node])
    }

    /// The listeners each protocol's login service has unless configured.
    struct DefaultListener {
        var service: String
        var listener: String
        var port: UInt16
        var implicitTLS: Bool
        var application: String
    }

    static let defaultListeners: [String: [DefaultListener]] = [
        "imap": [DefaultListener(service: "imap-login", listener: "imap", port: 143, implicitTLS: false, application: "imap"),
                 DefaultListener(service: "imap-login", listener: "imaps", port: 993, implicitTLS: true, application: "imap")],
        "pop3": [DefaultListener(service: "pop3-login", listener: "pop3", port: 110, implicitTLS: false, application: "pop3"),
                 DefaultListener(service: "pop3-login", listener: "pop3s", port: 995, implicitTLS: true, application: "pop3")],
        "submission": [DefaultListener(service: "submission-login", listener: "submission", port: 587, implicitTLS: false, application: "smtp")],
        "sieve": [DefaultListener(service: "managesieve-login", listener: "sieve", port: 4190, implicitTLS: false, application: "sieve")],
    ]

    typealias Value = (value: String, location: ConfigLocation)

    public func read(mainFile path: String) -> ConfigScan {
        let main = ConfigFiles.resolve(path, relativeTo: FileManager.default.currentDirectoryPath)
        var parser = Parser(maxDepth: maxIncludeDepth)
        guard let nodes = parser.parseFile(main, depth: 0, includedFrom: nil, required: true) else {
            return ConfigScan(sites: [], warnings: parser.warnings, files: [main])
        }
        var scan = ConfigScan(sites: [], warnings: parser.warnings, files: parser.files)
        let (top, explicit) = Self.topSettings(nodes, main: main)
        let ssl = top["ssl"]?.value.lowercased() ?? "yes"
        guard ssl != "no" else { return scan }

        let protocols = (top["protocols"]?.value ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        let listeners = self.listeners(nodes, protocols: protocols, listen: top["listen"]?.value ?? "*", warnings: &scan.warnings)
        if listeners.isEmpty {
            scan.warnings.append(ConfigWarning(top["protocols"]?.location ?? ConfigLocation(file: main, line: 0),
                                               "no TLS listener: protocols = \(top["protocols"]?.value ?? "")"))
        }
        let directives = Self.directiveNames.filter(explicit.contains).compactMap { name in
            top[name].map { ConfigDirective(name: name, value: $0.value, location: $0.location) }
        }
        if explicit.contains("ssl_cert") || top["ssl_cert"] != nil {
            if let site = Self.site(cert: top["ssl_cert"], key: top["ssl_key"], names: [], addresses: nil, listeners: listeners,
                                    directives: directives, warnings: &scan.warnings) {
                scan.sites.append(site)
            }
        } else if ssl == "required" || explicit.contains("ssl") {
            scan.warnings.append(ConfigWarning(top["ssl"]?.location ?? ConfigLocation(file: main, line: 0), "ssl = \(ssl) but no ssl_cert is set"))
        }
        for node in nodes {
            guard case let .section(type, name, location, children) = node else { continue }
            if let site = Self.sectionSite(type: type, name: name, at: location, children: children, top: top, listeners: listeners,
                                           directives: directives, warnings: &scan.warnings) {
                scan.sites.append(site)
            }
        }
        return scan
    }

    static let directiveNames = ["ssl", "ssl_min_protocol", "ssl_ca", "ssl_verify_client_cert", "auth_ssl_require_client_cert", "ssl_cert",
                                 "ssl_key", "ssl_cipher_list", "protocols"]

    /// Top-level settings with Dovecot's defaults, `$name` expanded against
    /// earlier values; and which of them the config sets itself.
    static func topSettings(_ nodes: [Node], main: String) -> (values: [String: Value], explicit: Set<String>) {
        var top: [String: Value] = ["protocols": ("imap pop3 lmtp", ConfigLocation(file: main, line: 0)),
                                    "ssl": ("yes", ConfigLocation(file: main, line: 0)),
                                    "listen": ("*, ::", ConfigLocation(file: main, line: 0))]
        var explicit: Set<String> = []
        for node in nodes {
            guard case let .setting(key, value, location) = node else { continue }
            top[key] = (expand(value, top.mapValues(\.value)), location)
            explicit.insert(key)
        }
        return (top, explicit)
    }

    /// The site of a `local_name`, `local` or `protocol` block that sets its own ssl_cert.
    static func sectionSite(type: String, name: String, at location: ConfigLocation, children: [Node], top: [String: Value],
                            listeners: [SiteListener], directives: [ConfigDirective], warnings: inout [ConfigWarning]) -> ConfigSite? {
        var settings: [String: Value] = [:]
        for child in children {
            if case let .setting(key, value, childLocation) = child { settings[key] = (expand(value, top.mapValues(\.value)), childLocation) }
        }
        guard let cert = settings["ssl_cert"] else { return nil }
        let key = settings["ssl_key"] ?? top["ssl_key"]
        let extra = settings.filter { $0.key.hasPrefix("ssl_") && $0.key != "ssl_cert" && $0.key != "ssl_key" }
            .map { ConfigDirective(name: $0.key, value: $0.value.value, location: $0.value.location) }.sorted { $0.name < $1.name }
        let own = directives.filter { name in !extra.contains { $0.name == name.name } } + extra
        switch type {
        case "local_name":
            return site(cert: cert, key: key, names: name.split(separator: " ").map(String.init), addresses: nil, listeners: listeners,
                        directives: own, warnings: &warnings)
        case "local":
            let address = name.split(separator: "/").first.map(String.init) ?? name
            return site(cert: cert, key: key, names: [], addresses: [address], listeners: listeners, directives: own, warnings: &warnings)
        case "protocol":
            let mine = listeners.filter { protocolOf($0.service) == name }
            if mine.isEmpty { warnings.append(ConfigWarning(location, "protocol \(name) sets ssl_cert but has no TLS listener")) }
            return site(cert: cert, key: key, names: [], addresses: nil, listeners: mine, directives: own, warnings: &warnings)
        default:
            return nil
        }
    }

    /// One certificate (global or in a block) on its listeners, with the key and files checked.
    static func site(cert: Value?, key: Value?, names: [String], addresses: [String]?, listeners: [SiteListener],
                     directives: [ConfigDirective], warnings: inout [ConfigWarning]) -> ConfigSite? {
        guard let cert, let certPath = filePath(cert.value, setting: "ssl_cert", at: cert.location, warnings: &warnings) else { return nil }
        var keyPath: String?
        if let key { keyPath = filePath(key.value, setting: "ssl_key", at: key.location, warnings: &warnings) }
        else { warnings.append(ConfigWarning(cert.location, "ssl_cert without ssl_key")) }
        for (label, path) in [("ssl_cert", certPath), ("ssl_key", keyPath)] {
            if let path, !ConfigFiles.exists(path) { warnings.append(ConfigWarning(cert.location, "\(label) file \(path) does not exist")) }
        }
        var chosen = listeners
        if let addresses { chosen = listeners.map { var l = $0; l.address = addresses[0]; return l } }
        var site = ConfigSite(server: .dovecot, location: cert.location, names: names, ports: unique(chosen.map(\.port)),
                              addresses: unique(chosen.map(\.address)), certPath: certPath, keyPath: keyPath)
        site.listeners = chosen
        site.directives = directives
        return site
    }

    static func protocolOf(_ service: String) -> String {
        service.hasSuffix("-login") ? String(service.dropLast(6)).replacingOccurrences(of: "managesieve", with: "sieve") : service
    }

    static func unique<T: Hashable>(_ values: [T]) -> [T] {
        var seen: Set<T> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// The TLS listeners of the enabled protocols: defaults, changed by
    /// `service X-login { inet_listener NAME { port address ssl } }`.
    private func listeners(_ nodes: [Node], protocols: [String], listen: String, warnings: inout [ConfigWarning]) -> [SiteListener] {
        let globalAddresses = listen.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            .filter { $0 != "::" && $0 != "[::]" }
        var result: [SiteListener] = []
        for proto in protocols {
            guard var defaults = Self.defaultListeners[proto] else { continue }
            let serviceName = defaults.first?.service ?? proto + "-login"
            // Configured listeners of that login service (last block wins per listener name).
            var configured: [String: (port: UInt16?, address: String?, ssl: Bool?, location: ConfigLocation)] = [:]
            var order: [String] = []
            for node in nodes {
                guard case let .section("service", name, _, children) = node, name == serviceName else { continue }
                for child in children {
                    guard case let .section("inet_listener", listenerName, location, settings) = child else { continue }
                    var entry = configured[listenerName] ?? (nil, nil, nil, location)
                    for setting in settings {
                        guard case let .setting(key, value, settingLocation) = setting else { continue }
                        switch key {
                        case "port":
                            if let port = UInt16(value) { entry.port = port } else {
                                warnings.append(ConfigWarning(settingLocation, "port '\(value)' is not a port number"))
                            }
                        case "address": entry.address = value
                        case "ssl": entry.ssl = value.lowercased() == "yes"
                        default: continue
                        }
                    }
                    if configured[listenerName] == nil { order.append(listenerName) }
                    configured[listenerName] = entry
                }
            }
            for name in order where !defaults.contains(where: { $0.listener == name }) {
                let ssl = configured[name]?.ssl ?? false
                defaults.append(DefaultListener(service: serviceName, listener: name, port: 0, implicitTLS: ssl,
                                                application: defaults.first?.application ?? proto))
            }
            for listener in defaults {
                let entry = configured[listener.listener]
                let port = entry?.port ?? listener.port
                guard port != 0 else { continue }
                let implicit = entry?.ssl ?? listener.implicitTLS
                let addresses = entry?.address.map { $0.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) } ?? globalAddresses
                for address in (addresses.isEmpty ? ["*"] : addresses) {
                    result.append(SiteListener(address: address == "*" ? "*" : address, port: port, service: listener.listener,
                                               application: listener.application, starttls: !implicit))
                }
            }
        }
        return result
    }

    /// `</path` → the path; anything else is inline PEM, which clm does not follow.
    static func filePath(_ value: String, setting: String, at location: ConfigLocation, warnings: inout [ConfigWarning]) -> String? {
        guard value.hasPrefix("<") else {
            warnings.append(ConfigWarning(location, "\(setting) is not '</path' (inline PEM?); not followed"))
            return nil
        }
        let path = value.dropFirst().trimmingCharacters(in: .whitespaces)
        return ConfigFiles.resolve(path, relativeTo: (location.file as NSString).deletingLastPathComponent)
    }

    /// `$name` → the current value of that setting.
    static func expand(_ value: String, _ settings: [String: String]) -> String {
        guard value.contains("$") else { return value }
        var out = ""
        var chars = Substring(value)
        while let dollar = chars.firstIndex(of: "$") {
            out += chars[..<dollar]
            var end = chars.index(after: dollar)
            while end < chars.endIndex, chars[end].isLetter || chars[end].isNumber || chars[end] == "_" { end = chars.index(after: end) }
            let name = String(chars[chars.index(after: dollar)..<end])
            out += name.isEmpty ? "$" : (settings[name] ?? "")
            chars = chars[end...]
        }
        return (out + chars).trimmingCharacters(in: .whitespaces)
    }

    /// Line parser with include expansion.
    struct Parser {
        let maxDepth: Int
        var warnings: [ConfigWarning] = []
        var files: [String] = []
        var stack: [String] = []

        init(maxDepth: Int) { self.maxDepth = maxDepth }

        mutating func parseFile(_ path: String, depth: Int, includedFrom: ConfigLocation?, required: Bool) -> [Node]? {
            guard let text = ConfigFiles.read(path) else {
                if required {
                    warnings.append(ConfigWarning(includedFrom ?? ConfigLocation(file: path, line: 0),
                                                  includedFrom == nil ? "cannot read the file" : "cannot read included file \(path)"))
                }
                return nil
            }
            if stack.contains(path) {
                warnings.append(ConfigWarning(includedFrom ?? ConfigLocation(file: path, line: 0), "include loop: \(path) includes itself"))
                return nil
            }
            files.append(path)
            stack.append(path)
            defer { stack.removeLast() }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var index = 0
            var opened: [ConfigLocation] = []
            let nodes = parseBlock(lines, &index, file: path, depth: depth, opened: &opened)
            for location in opened { warnings.append(ConfigWarning(location, "section opened here is never closed (missing '}')")) }
            return nodes
        }

        static let maxSectionNesting = 64

        /// Moves past the section just opened, counting braces without recursion.
        static func skipSection(_ lines: [String], _ index: inout Int) {
            var level = 1
            while index < lines.count, level > 0 {
                let line = stripComment(lines[index].trimmingCharacters(in: .whitespaces))
                index += 1
                if line == "}" { level -= 1 } else if line.hasSuffix("{") { level += 1 }
            }
        }

        private mutating func parseBlock(_ lines: [String], _ index: inout Int, file: String, depth: Int,
                                         opened: inout [ConfigLocation]) -> [Node] {
            var nodes: [Node] = []
            while index < lines.count {
                let location = ConfigLocation(file: file, line: index + 1)
                var line = lines[index].trimmingCharacters(in: .whitespaces)
                index += 1
                line = Self.stripComment(line)
                if line.isEmpty { continue }
                if line == "}" {
                    if opened.isEmpty {
                        warnings.append(ConfigWarning(location, "unexpected '}' (unbalanced braces)"))
                        continue
                    }
                    opened.removeLast()
                    return nodes
                }
                if line.hasPrefix("!include") {
                    nodes += includeLine(line, at: location, depth: depth)
                    continue
                }
                if line.hasSuffix("{") {
                    // Recursion per section: a hostile file of nested braces must not exhaust the stack.
                    if opened.count >= Self.maxSectionNesting {
                        warnings.append(ConfigWarning(location, "sections nested deeper than \(Self.maxSectionNesting); this section is not read"))
                        Self.skipSection(lines, &index)
                        continue
                    }
                    let head = line.dropLast().trimmingCharacters(in: .whitespaces)
                    let words = head.split(separator: " ", maxSplits: 1).map(String.init)
                    guard let type = words.first, !type.contains("=") else {
                        warnings.append(ConfigWarning(location, "'{' without a section name"))
                        opened.append(location)
                        _ = parseBlock(lines, &index, file: file, depth: depth, opened: &opened)
                        continue
                    }
                    opened.append(location)
                    let depthBefore = opened.count
                    let children = parseBlock(lines, &index, file: file, depth: depth, opened: &opened)
                    nodes.append(.section(type: type, name: words.count > 1 ? Self.unquote(words[1]) : "", location: location, children: children))
                    if opened.count >= depthBefore { return nodes } // end of file inside the section
                    continue
                }
                // `section { key = value }` on one line (common for inet_listener).
                if let section = Self.oneLineSection(line, at: location) {
                    nodes.append(section)
                    continue
                }
                guard let (key, value) = Self.setting(line) else {
                    warnings.append(ConfigWarning(location, "'\(line.prefix(60))' is not 'key = value', a section or an !include"))
                    continue
                }
                nodes.append(.setting(key: key, value: value, location: location))
            }
            return nodes
        }

        /// `!include FILE` / `!include_try FILE`.
        private mutating func includeLine(_ line: String, at location: ConfigLocation, depth: Int) -> [Node] {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            let optional = parts[0] == "!include_try"
            guard parts[0] == "!include" || optional, parts.count == 2 else {
                warnings.append(ConfigWarning(location, "'\(parts[0])' needs a file (!include FILE or !include_try FILE)"))
                return []
            }
            return include(Self.unquote(parts[1].trimmingCharacters(in: .whitespaces)), optional: optional, at: location, depth: depth)
        }

        static func oneLineSection(_ line: String, at location: ConfigLocation) -> Node? {
            guard let open = line.firstIndex(of: "{"), line.hasSuffix("}") else { return nil }
            let head = line[..<open].trimmingCharacters(in: .whitespaces)
            let words = head.split(separator: " ", maxSplits: 1).map(String.init)
            let body = line[line.index(after: open)..<line.index(before: line.endIndex)]
            var children: [Node] = []
            for part in inlineSettings(String(body)) {
                if let (key, value) = setting(part) { children.append(.setting(key: key, value: value, location: location)) }
            }
            return .section(type: words.first ?? "", name: words.count > 1 ? unquote(words[1]) : "", location: location, children: children)
        }

        private mutating func include(_ pattern: String, optional: Bool, at location: ConfigLocation, depth: Int) -> [Node] {
            guard depth < maxDepth else {
                warnings.append(ConfigWarning(location, "include nesting deeper than \(maxDepth); not followed"))
                return []
            }
            let absolute = ConfigFiles.resolve(pattern, relativeTo: (location.file as NSString).deletingLastPathComponent)
            let matches = ConfigFiles.glob(absolute)
            if matches.isEmpty {
                if !optional && !absolute.contains(where: { "*?[".contains($0) }) {
                    warnings.append(ConfigWarning(location, "included file \(absolute) does not exist"))
                }
                return []
            }
            var nodes: [Node] = []
            for file in matches where !ConfigFiles.isDirectory(file) {
                nodes += parseFile(file, depth: depth + 1, includedFrom: location, required: !optional) ?? []
            }
            return nodes
        }

        static func stripComment(_ line: String) -> String {
            var inQuote = false
            for (offset, c) in line.enumerated() {
                if c == "\"" { inQuote.toggle() }
                if c == "#" && !inQuote {
                    return String(line.prefix(offset)).trimmingCharacters(in: .whitespaces)
                }
            }
            return line
        }

        static func setting(_ text: String) -> (String, String)? {
            guard let equals = text.firstIndex(of: "=") else { return nil }
            let key = text[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !key.contains(" ") else { return nil }
            return (key, unquote(text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)))
        }

        /// `port = 143 ssl = yes` inside one-line braces: split before each `key =`.
        static func inlineSettings(_ body: String) -> [String] {
            let words = body.split(separator: " ").map(String.init)
            var parts: [String] = []
            var i = 0
            while i < words.count {
                if i + 2 < words.count + 1, i + 1 < words.count, words[i + 1] == "=" {
                    parts.append(words[i] + " = " + (i + 2 < words.count ? words[i + 2] : ""))
                    i += 3
                } else {
                    if !parts.isEmpty { parts[parts.count - 1] += " " + words[i] }
                    i += 1
                }
            }
            return parts
        }

        static func unquote(_ text: String) -> String {
            text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
        }
    }
}
