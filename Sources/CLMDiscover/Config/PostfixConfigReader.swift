internal import Foundation

/// Reads a Postfix configuration directory: `main.cf` parameters, `master.cf`
/// services with their `-o` overrides, `$name` expansion, and the SNI table.
///
/// Per `smtpd` (or `postscreen`) inet service with TLS on, every server
/// certificate becomes a site on that service's port: `smtpd_tls_chain_files`
/// (each key followed by its chain, in order) when set, else
/// `smtpd_tls_cert_file` / `smtpd_tls_key_file` and `smtpd_tls_eccert_file` /
/// `smtpd_tls_eckey_file`. `tls_server_sni_maps` entries add a site per name.
/// `smtp_tls_cert_file` / `smtp_tls_chain_files` (the certificate Postfix shows
/// when it connects out) are sites with role `client` and no ports.
/// Problems are warnings with `file:line`, never thrown.
public struct PostfixConfigReader: Sendable {
    public init() {}

    /// A parameter value and the line that set it.
    struct Setting {
        var value: String
        var location: ConfigLocation
    }

    /// Postfix's built-in defaults that the paths depend on.
    static func defaults(configDirectory: String) -> [String: String] {
        [
            "config_directory": configDirectory,
            "smtpd_tls_key_file": "$smtpd_tls_cert_file",
            "smtpd_tls_eckey_file": "$smtpd_tls_eccert_file",
            "smtp_tls_key_file": "$smtp_tls_cert_file",
            "inet_interfaces": "all",
            "smtpd_tls_security_level": "",
        ]
    }

    /// Ports of the service names master.cf uses (from /etc/services).
    static let servicePorts: [String: UInt16] = ["smtp": 25, "submission": 587, "submissions": 465, "smtps": 465, "urd": 465]

    public func read(configDirectory path: String) -> ConfigScan {
        var directory = ConfigFiles.resolve(path, relativeTo: FileManager.default.currentDirectoryPath)
        // `--postfix /etc/postfix/main.cf` means its directory.
        if !ConfigFiles.isDirectory(directory) && directory.hasSuffix(".cf") { directory = (directory as NSString).deletingLastPathComponent }
        var scan = ConfigScan(files: [directory + "/main.cf"])
        guard let (main, services) = load(directory, into: &scan) else { return scan }
        let defaults = Self.defaults(configDirectory: directory)
        var reported: Set<String> = []
        for service in services where service.type == "inet" && (service.command == "smtpd" || service.command == "postscreen") {
            var settings = main
            for (name, value, location) in service.overrides { settings[name] = Setting(value: value, location: location) }
            let sites = serverSites(of: service, settings: settings, defaults: defaults, directory: directory, scan: &scan, reported: &reported)
            scan.sites += sites
        }
        scan.sites = Self.merged(scan.sites)
        let clients = clientSites(main: main, defaults: defaults, directory: directory, scan: &scan, reported: &reported)
        scan.sites += clients
        return scan
    }

    /// main.cf's parameters and master.cf's services (one smtpd on 25 when master.cf cannot be read).
    private func load(_ directory: String, into scan: inout ConfigScan) -> (main: [String: Setting], services: [Service])? {
        let mainFile = directory + "/main.cf"
        let masterFile = directory + "/master.cf"
        guard let mainText = ConfigFiles.read(mainFile) else {
            scan.warnings.append(ConfigWarning(ConfigLocation(file: mainFile, line: 0), "cannot read the file"))
            return nil
        }
        var main: [String: Setting] = [:]
        for (name, value, location) in Self.parameters(mainText, file: mainFile, warnings: &scan.warnings) {
            main[name] = Setting(value: value, location: location)
        }
        guard let masterText = ConfigFiles.read(masterFile) else {
            scan.warnings.append(ConfigWarning(ConfigLocation(file: masterFile, line: 0), "cannot read master.cf; assuming one smtpd on port 25"))
            return (main, [Service(name: "smtp", type: "inet", command: "smtpd", overrides: [], location: ConfigLocation(file: masterFile, line: 0))])
        }
        scan.files.append(masterFile)
        return (main, Self.services(masterText, file: masterFile, warnings: &scan.warnings))
    }

    static let directiveNames = ["smtpd_tls_security_level", "smtpd_tls_wrappermode", "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols",
                                 "smtpd_tls_ask_ccert", "smtpd_tls_req_ccert", "smtpd_tls_CAfile", "smtpd_tls_chain_files",
                                 "smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_eccert_file", "smtpd_tls_eckey_file", "tls_server_sni_maps"]

    /// The sites one smtpd service serves with TLS: its certificate pairs on its port, with the directives fix texts name.
    private func serverSites(of service: Service, settings: [String: Setting], defaults: [String: String], directory: String,
                             scan: inout ConfigScan, reported: inout Set<String>) -> [ConfigSite] {
        var expander = Expander(settings: settings, defaults: defaults)
        func value(_ name: String) -> String { expander.value(name) }
        let wrapper = ["yes", "true"].contains(value("smtpd_tls_wrappermode").lowercased())
        let level = value("smtpd_tls_security_level").lowercased()
        let legacyOn = ["yes", "true"].contains(value("smtpd_use_tls").lowercased()) || ["yes", "true"].contains(value("smtpd_enforce_tls").lowercased())
        guard wrapper || level == "may" || level == "encrypt" || (level.isEmpty && legacyOn) else { return [] }
        guard let (address, port) = Self.endpoint(service.name, interfaces: value("inet_interfaces")) else {
            scan.warnings.append(ConfigWarning(service.location, "cannot tell the port of service '\(service.name)'"))
            return []
        }
        let listeners = address.map { SiteListener(address: $0, port: port, service: service.name, application: "smtp", starttls: !wrapper) }
        let directives = Self.directiveNames.compactMap { name in
            settings[name].map { ConfigDirective(name: name, value: value(name), location: $0.location) }
        }
        let pairs = certificatePairs(settings: settings, value: value, directory: directory, scan: &scan)
        for warning in expander.warnings where reported.insert(warning.description).inserted { scan.warnings.append(warning) }
        if pairs.isEmpty {
            let key = service.overrides.isEmpty ? "main.cf" : "service '\(service.name)'"
            scan.warnings.append(ConfigWarning(settings["smtpd_tls_security_level"]?.location ?? service.location,
                "\(key) turns TLS on (port \(port)) but no smtpd_tls_chain_files or smtpd_tls_cert_file is set"))
        }
        return pairs.map { pair in
            for (label, path) in [("certificate", pair.cert), ("key", pair.key)] where !ConfigFiles.exists(path) {
                let text = "\(label) file \(path) does not exist"
                if reported.insert("\(pair.location)\(text)").inserted { scan.warnings.append(ConfigWarning(pair.location, text)) }
            }
            var site = ConfigSite(server: .postfix, location: pair.location, names: pair.names, ports: [port],
                                  addresses: listeners.map(\.address), certPath: pair.cert, keyPath: pair.key)
            site.listeners = listeners
            site.directives = directives
            return site
        }
    }

    typealias Pair = (cert: String, key: String, location: ConfigLocation, names: [String])

    /// smtpd_tls_chain_files, else the RSA and ECDSA cert/key pairs; plus the SNI map's entries.
    private func certificatePairs(settings: [String: Setting], value: (String) -> String, directory: String,
                                  scan: inout ConfigScan) -> [Pair] {
        var pairs: [Pair] = []
        let chainFiles = Self.list(value("smtpd_tls_chain_files"))
        if !chainFiles.isEmpty, let location = settings["smtpd_tls_chain_files"]?.location {
            pairs += Self.chainPairs(chainFiles, directory: directory, location: location, names: [], warnings: &scan.warnings)
        } else {
            for (certName, keyName) in [("smtpd_tls_cert_file", "smtpd_tls_key_file"), ("smtpd_tls_eccert_file", "smtpd_tls_eckey_file")] {
                let cert = value(certName)
                guard !cert.isEmpty, let location = settings[certName]?.location else { continue }
                let key = value(keyName)
                pairs.append((ConfigFiles.resolve(cert, relativeTo: directory),
                              ConfigFiles.resolve(key.isEmpty ? cert : key, relativeTo: directory), location, []))
            }
        }
        let sniMap = value("tls_server_sni_maps")
        if !sniMap.isEmpty, let location = settings["tls_server_sni_maps"]?.location {
            pairs += sniEntries(sniMap, directory: directory, location: location, scan: &scan)
        }
        return pairs
    }

    /// The client side: the certificate Postfix presents to other servers.
    private func clientSites(main: [String: Setting], defaults: [String: String], directory: String,
                             scan: inout ConfigScan, reported: inout Set<String>) -> [ConfigSite] {
        var expander = Expander(settings: main, defaults: defaults)
        let clientChain = Self.list(expander.value("smtp_tls_chain_files"))
        var clientPairs: [Pair] = []
        if !clientChain.isEmpty, let location = main["smtp_tls_chain_files"]?.location {
            clientPairs = Self.chainPairs(clientChain, directory: directory, location: location, names: [], warnings: &scan.warnings)
        } else if let location = main["smtp_tls_cert_file"]?.location, !expander.value("smtp_tls_cert_file").isEmpty {
            let cert = expander.value("smtp_tls_cert_file")
            clientPairs = [(ConfigFiles.resolve(cert, relativeTo: directory),
                            ConfigFiles.resolve(expander.value("smtp_tls_key_file"), relativeTo: directory), location, [])]
        }
        for warning in expander.warnings where reported.insert(warning.description).inserted { scan.warnings.append(warning) }
        return clientPairs.map { pair in
            for (label, path) in [("client certificate", pair.cert), ("client key", pair.key)] where !ConfigFiles.exists(path) {
                let text = "\(label) file \(path) does not exist"
                if reported.insert("\(pair.location)\(text)").inserted { scan.warnings.append(ConfigWarning(pair.location, text)) }
            }
            var site = ConfigSite(server: .postfix, location: pair.location, names: [], ports: [], addresses: [],
                                  certPath: pair.cert, keyPath: pair.key)
            site.role = .client
            return site
        }
    }

    /// Sites for the same certificate line (the same main.cf setting used by
    /// several services) become one site with every port.
    static func merged(_ sites: [ConfigSite]) -> [ConfigSite] {
        var result: [ConfigSite] = []
        for site in sites {
            if let index = result.firstIndex(where: { $0.location == site.location && $0.certPath == site.certPath && $0.names == site.names }) {
                for port in site.ports where !result[index].ports.contains(port) { result[index].ports.append(port) }
                for address in site.addresses where !result[index].addresses.contains(address) { result[index].addresses.append(address) }
                result[index].listeners += site.listeners.filter { !result[index].listeners.contains($0) }
            } else {
                result.append(site)
            }
        }
        return result
    }

    /// `smtpd_tls_chain_files`: each key is followed by the certificate (chain)
    /// files that go with it; a file holding both key and chain stands alone.
    static func chainPairs(_ files: [String], directory: String, location: ConfigLocation, names: [String],
                           warnings: inout [ConfigWarning]) -> [(cert: String, key: String, location: ConfigLocation, names: [String])] {
        var pairs: [(cert: String, key: String, location: ConfigLocation, names: [String])] = []
        var pendingKey: String?
        for file in files.map({ ConfigFiles.resolve($0, relativeTo: directory) }) {
            let text = ConfigFiles.read(file) ?? ""
            let hasKey = text.contains("PRIVATE KEY-----")
            let hasCert = text.contains("-----BEGIN CERTIFICATE-----")
            if hasKey && hasCert {
                pairs.append((file, file, location, names))
                pendingKey = nil
            } else if hasKey || (!hasCert && pendingKey == nil && !ConfigFiles.exists(file)) {
                if let pendingKey { warnings.append(ConfigWarning(location, "key \(pendingKey) in smtpd_tls_chain_files has no certificate after it")) }
                pendingKey = file
            } else if let key = pendingKey {
                pairs.append((file, key, location, names))
                pendingKey = nil
            } else if hasCert {
                warnings.append(ConfigWarning(location, "certificate \(file) in smtpd_tls_chain_files comes before its key; Postfix wants each key first, then its chain"))
                pairs.append((file, file, location, names))
            } else {
                warnings.append(ConfigWarning(location, "\(file) in smtpd_tls_chain_files holds no key or certificate"))
            }
        }
        if let pendingKey { warnings.append(ConfigWarning(location, "key \(pendingKey) in smtpd_tls_chain_files has no certificate after it")) }
        return pairs
    }

    /// `tls_server_sni_maps = hash:/etc/postfix/sni`: reads the table's source
    /// text (`name key-file chain-file...`, or one combined file per name).
    private func sniEntries(_ spec: String, directory: String, location: ConfigLocation,
                            scan: inout ConfigScan) -> [(cert: String, key: String, location: ConfigLocation, names: [String])] {
        var result: [(cert: String, key: String, location: ConfigLocation, names: [String])] = []
        for table in Self.list(spec) {
            guard let colon = table.firstIndex(of: ":") else {
                scan.warnings.append(ConfigWarning(location, "tls_server_sni_maps entry '\(table)' is not TYPE:NAME"))
                continue
            }
            let type = table[..<colon]
            guard ["hash", "lmdb", "cdb", "btree", "texthash", "inline"].contains(String(type)) else {
                scan.warnings.append(ConfigWarning(location, "tls_server_sni_maps table type \(type) is not read by clm (use hash, lmdb, cdb or texthash)"))
                continue
            }
            if type == "inline" { continue }
            let path = ConfigFiles.resolve(String(table[table.index(after: colon)...]), relativeTo: directory)
            guard let text = ConfigFiles.read(path) else {
                scan.warnings.append(ConfigWarning(location, "cannot read the SNI table source \(path)"))
                continue
            }
            scan.files.append(path)
            for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                let here = ConfigLocation(file: path, line: index + 1)
                let words = Self.list(line)
                guard words.count >= 2 else {
                    scan.warnings.append(ConfigWarning(here, "SNI entry '\(line)' names no key or certificate file"))
                    continue
                }
                result += Self.chainPairs(Array(words.dropFirst()), directory: directory, location: here, names: [words[0]],
                                          warnings: &scan.warnings)
            }
        }
        return result
    }

    /// Postfix lists: commas and/or whitespace.
    static func list(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }

    /// A master.cf service field: `[host:]port` or a service name, with the
    /// addresses from `inet_interfaces` when no host is given.
    static func endpoint(_ service: String, interfaces: String) -> ([String], UInt16)? {
        var host: String?
        var portText = service
        if let colon = service.lastIndex(of: ":") {
            host = String(service[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            portText = String(service[service.index(after: colon)...])
        }
        guard let port = UInt16(portText) ?? servicePorts[portText] else { return nil }
        if let host, !host.isEmpty { return ([host], port) }
        let addresses = list(interfaces).map { value -> String in
            switch value.lowercased() {
            case "all": return "*"
            case "loopback-only", "localhost": return "127.0.0.1"
            default: return value.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            }
        }
        return (addresses.isEmpty ? ["*"] : addresses, port)
    }

    // MARK: main.cf and master.cf syntax

    /// `name = value` lines; a line starting with whitespace continues the
    /// previous one; `#` comments only at the start of a line.
    static func parameters(_ text: String, file: String, warnings: inout [ConfigWarning]) -> [(String, String, ConfigLocation)] {
        var result: [(String, String, ConfigLocation)] = []
        for (logical, location) in logicalLines(text, file: file) {
            guard let equals = logical.firstIndex(of: "=") else {
                warnings.append(ConfigWarning(location, "'\(logical.prefix(60))' is not 'name = value'"))
                continue
            }
            let name = logical[..<equals].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                warnings.append(ConfigWarning(location, "'\(name)' is not a parameter name"))
                continue
            }
            result.append((name, logical[logical.index(after: equals)...].trimmingCharacters(in: .whitespaces), location))
        }
        return result
    }

    /// Joins continuation lines; each logical line keeps the number of its first line.
    static func logicalLines(_ text: String, file: String) -> [(String, ConfigLocation)] {
        var result: [(String, ConfigLocation)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.first?.isWhitespace == true, !result.isEmpty {
                result[result.count - 1].0 += " " + trimmed
            } else {
                result.append((trimmed, ConfigLocation(file: file, line: index + 1)))
            }
        }
        return result
    }

    /// master.cf's logical lines as words, each with the line it is on, so an
    /// `-o` override on a continuation line is reported where it is written.
    static func logicalWords(_ text: String, file: String) -> [(words: [(String, Int)], location: ConfigLocation)] {
        var result: [(words: [(String, Int)], location: ConfigLocation)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let words = trimmed.split(whereSeparator: \.isWhitespace).map { (String($0), index + 1) }
            if raw.first?.isWhitespace == true, !result.isEmpty {
                result[result.count - 1].words += words
            } else {
                result.append((words, ConfigLocation(file: file, line: index + 1)))
            }
        }
        return result
    }

    struct Service {
        var name: String
        var type: String
        var command: String
        var overrides: [(String, String, ConfigLocation)]
        var location: ConfigLocation
    }

    /// master.cf: `service type private unpriv chroot wakeup maxproc command args...`
    /// with `-o name=value` and `-o { name = value }` overrides.
    static func services(_ text: String, file: String, warnings: inout [ConfigWarning]) -> [Service] {
        var services: [Service] = []
        for (words, location) in logicalWords(text, file: file) {
            let fields = words.map(\.0)
            guard fields.count >= 8 else {
                warnings.append(ConfigWarning(location, "master.cf entry needs 8 fields (service type private unpriv chroot wakeup maxproc command)"))
                continue
            }
            var service = Service(name: fields[0], type: fields[1], command: fields[7], overrides: [], location: location)
            var args = Array(words.dropFirst(8))
            while !args.isEmpty {
                let (arg, line) = args.removeFirst()
                guard arg == "-o" else { continue }
                let location = ConfigLocation(file: file, line: line)
                guard !args.isEmpty else {
                    warnings.append(ConfigWarning(location, "-o without a parameter"))
                    break
                }
                var setting = args.removeFirst().0
                if setting == "{" {
                    var words: [String] = []
                    while let next = args.first, next.0 != "}" { words.append(args.removeFirst().0) }
                    if args.first?.0 == "}" { args.removeFirst() } else { warnings.append(ConfigWarning(location, "-o { without a closing }")) }
                    setting = words.joined(separator: " ")
                }
                guard let equals = setting.firstIndex(of: "=") else {
                    warnings.append(ConfigWarning(location, "-o \(setting) is not name=value"))
                    continue
                }
                service.overrides.append((setting[..<equals].trimmingCharacters(in: .whitespaces),
                                          setting[setting.index(after: equals)...].trimmingCharacters(in: .whitespaces), location))
            }
            services.append(service)
        }
        return services
    }

    /// `$name`, `${name}` and `$(name)` expansion, recursively, with the
    /// defaults Postfix would use; an unknown name expands to nothing and is reported.
    struct Expander {
        let settings: [String: Setting]
        let defaults: [String: String]
        var warnings: [ConfigWarning] = []

        init(settings: [String: Setting], defaults: [String: String]) {
            self.settings = settings
            self.defaults = defaults
        }

        /// Far beyond any real value; `$a$a` chains double at every step, so
        /// 60 short lines would otherwise expand to exabytes.
        static let maxLength = 4096
        /// Each name is expanded once (the chains above would otherwise take exponential time).
        private var cache: [String: String] = [:]
        private var overflowing: Set<String> = []
        private var overflowed = false

        mutating func value(_ name: String) -> String {
            overflowed = false
            let expanded = expand(name, depth: 0)
            guard !overflowed else {
                if let location = settings[name]?.location {
                    warnings.append(ConfigWarning(location, "$\(name) expands to more than \(Self.maxLength) characters; not used"))
                }
                return ""
            }
            return expanded
        }

        private mutating func expand(_ name: String, depth: Int) -> String {
            if let known = cache[name] {
                if overflowing.contains(name) { overflowed = true }
                return known
            }
            let raw = settings[name]?.value ?? defaults[name] ?? ""
            guard raw.contains("$") else { return raw }
            guard depth < 20 else {
                if let location = settings[name]?.location { warnings.append(ConfigWarning(location, "$\(name) refers to itself")) }
                return raw
            }
            var out = ""
            let chars = Array(raw)
            var i = 0
            while i < chars.count {
                guard chars[i] == "$", i + 1 < chars.count else { out.append(chars[i]); i += 1; continue }
                var j = i + 1
                var reference = ""
                if chars[j] == "{" || chars[j] == "(" {
                    let close: Character = chars[j] == "{" ? "}" : ")"
                    j += 1
                    while j < chars.count, chars[j] != close { reference.append(chars[j]); j += 1 }
                    j += 1
                } else if chars[j] == "$" {
                    out.append("$")
                    i = j + 1
                    continue
                } else {
                    while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { reference.append(chars[j]); j += 1 }
                }
                // ${name?value} / ${name:value}: only the name matters for paths.
                if let mark = reference.firstIndex(where: { $0 == "?" || $0 == ":" }) { reference = String(reference[..<mark]) }
                if settings[reference] == nil && defaults[reference] == nil, let location = settings[name]?.location {
                    warnings.append(ConfigWarning(location, "$\(reference) in \(name) is not set; it expands to nothing"))
                }
                out += expand(reference, depth: depth + 1)
                if out.count > Self.maxLength || overflowed {
                    overflowed = true
                    overflowing.insert(name)
                    out = String(out.prefix(Self.maxLength))
                    break
                }
                i = j
            }
            cache[name] = out
            return out
        }
    }
}
