public import CLMCore
internal import CLMInventory
internal import Foundation
internal import Yams

/// Reads policy files: YAML, checked key by key, `extends:` merged.
///
/// Every problem names the file, line, column and dotted key
/// (`rules.weak-key.min-rsa-bits`). Unknown keys and unknown rule names are
/// errors: a typo must never silently turn a check off.
///
/// ### Merging
/// A policy that says `extends: base.yaml` (a path relative to its own
/// file, or `builtin:default`) starts from the base: scopes with the same
/// name are replaced; a rule's settings are merged key by key, so
/// `expiring: { warn-within: 60d }` changes only the window. `enabled: false`
/// turns an inherited rule off.
public struct PolicyLoader: Sendable {
    /// Policies compiled into the binary, by name (`builtin:NAME`).
    public static let builtins: [String: String] = ["default": DefaultPolicy.yaml]

    public init() {}

    /// Loads and validates the policy at `path`.
    public func load(path: String) throws(PolicyError) -> Policy {
        try resolve(merged(path: path, chain: []))
    }

    /// Loads and validates a policy from text; `path` names it in messages
    /// and anchors relative `extends:` paths.
    public func load(yaml: String, path: String) throws(PolicyError) -> Policy {
        try resolve(merged(document: parse(yaml: yaml, path: path), chain: [path]))
    }

    /// The embedded default policy.
    public func loadDefault() throws(PolicyError) -> Policy {
        try load(path: "builtin:default")
    }

    // MARK: - Reading

    private func read(path: String) throws(PolicyError) -> String {
        if path.hasPrefix("builtin:") {
            let name = String(path.dropFirst("builtin:".count))
            guard let text = Self.builtins[name] else {
                throw .unreadable(path: path, reason: "no built-in policy named '\(name)' (known: \(Self.builtins.keys.sorted().joined(separator: ", ")))")
            }
            return text
        }
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable as UTF-8 text" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
    }

    private func merged(path: String, chain: [String]) throws(PolicyError) -> MergedPolicy {
        let canonical = path.hasPrefix("builtin:") ? path : URL(fileURLWithPath: path).standardizedFileURL.path
        if chain.contains(canonical) { throw .extendsCycle(chain: chain + [canonical]) }
        return try merged(document: parse(yaml: read(path: path), path: path), chain: chain + [canonical])
    }

    private func merged(document: PolicyDocument, chain: [String]) throws(PolicyError) -> MergedPolicy {
        var result = MergedPolicy()
        if let (target, place) = document.extends {
            let basePath: String
            if target.hasPrefix("builtin:") || target.hasPrefix("/") {
                basePath = target
            } else if document.path.hasPrefix("builtin:") {
                basePath = "builtin:" + ((target as NSString).lastPathComponent as NSString).deletingPathExtension
            } else {
                basePath = ((document.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target)
            }
            do { result = try merged(path: basePath, chain: chain) } catch {
                if case .unreadable(_, let reason) = error {
                    throw .invalid(path: place.path, line: place.line, column: place.column, key: "extends",
                                   message: "cannot load \(basePath): \(reason)")
                }
                throw error
            }
        }
        result.sources.append(document.path)
        result.name = document.name ?? ((document.path as NSString).lastPathComponent as NSString).deletingPathExtension
        if let description = document.description { result.description = description }
        for (name, scope) in document.scopes { result.scopes[name] = scope }
        for (rule, settings) in document.rules {
            var current = result.rules[rule] ?? [:]
            for (key, setting) in settings { current[key] = setting }
            result.rules[rule] = current
            if !result.ruleOrder.contains(rule) { result.ruleOrder.append(rule) }
        }
        return result
    }

    // MARK: - Resolving

    private func resolve(_ merged: MergedPolicy) throws(PolicyError) -> Policy {
        var rules: [any AuditRule] = []
        for descriptor in RuleCatalog.all {
            guard let entry = merged.rules[descriptor.name] else { continue }
            if case .bool(false)? = entry["enabled"]?.value { continue }
            var settings = RuleSettings(descriptor: descriptor, severity: descriptor.defaultSeverity, scope: [], except: [],
                                        roles: descriptor.defaultRoles, parameters: [:])
            for parameter in descriptor.parameters { settings.parameters[parameter.key] = parameter.defaultValue }
            for (key, setting) in entry {
                switch (key, setting.value) {
                case ("severity", .severity(let severity)): settings.severity = severity
                case ("scope", .strings(let names)), ("except", .strings(let names)):
                    for name in names where merged.scopes[name] == nil {
                        let known = merged.scopes.keys.sorted()
                        throw .invalid(path: setting.place.path, line: setting.place.line, column: setting.place.column, key: setting.place.key,
                                       message: "no scope named '\(name)' (defined: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
                    }
                    if key == "scope" { settings.scope = names } else { settings.except = names }
                case ("certificates", .strings(let roles)):
                    settings.roles = Set(roles.compactMap(Inventory.AuditRole.init(rawValue:)))
                case ("enabled", _): break
                default: settings.parameters[key] = setting.value
                }
            }
            rules.append(descriptor.make(settings))
        }
        return Policy(name: merged.name, description: merged.description, sources: merged.sources, scopes: merged.scopes, rules: rules)
    }

    // MARK: - Parsing one file

    private func parse(yaml: String, path: String) throws(PolicyError) -> PolicyDocument {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let error as YamlError {
            throw Self.syntaxError(error, path: path)
        } catch {
            throw .syntax(path: path, line: 0, column: 0, message: "\(error)")
        }
        var document = PolicyDocument(path: path)
        guard let root else { return document }
        for entry in try PolicyField(node: root, file: path, key: "").entries(nullIsEmpty: true) {
            let value = entry.value
            switch entry.name {
            case "name": document.name = try value.string(allowEmpty: true)
            case "description": document.description = try value.string(allowEmpty: true)
            case "extends": document.extends = (try value.string(allowEmpty: true), entry.key.place)
            case "scopes":
                for scope in try value.entries(nullIsEmpty: true) {
                    document.scopes.append((scope.name, try parseScope(scope.value, name: scope.name)))
                }
            case "rules":
                for rule in try value.entries(nullIsEmpty: true) {
                    guard let descriptor = RuleCatalog.descriptor(named: rule.name) else {
                        throw rule.key.error("unknown rule (known: \(RuleCatalog.all.map(\.name).joined(separator: ", ")))")
                    }
                    document.rules.append((rule.name, try parseRule(rule.value, descriptor: descriptor)))
                }
            default:
                throw entry.key.error("unknown key (known: name, description, extends, scopes, rules)")
            }
        }
        return document
    }

    private func parseScope(_ field: PolicyField, name: String) throws(PolicyError) -> Scope {
        var scope = Scope(name: name)
        for entry in try field.entries(nullIsEmpty: true) {
            let value = entry.value
            switch entry.name {
            case "names": scope.names = try value.strings(allowEmpty: true)
            case "issuers": scope.issuers = try value.strings(allowEmpty: true)
            case "paths": scope.paths = try value.strings(allowEmpty: true)
            case "endpoints": scope.endpoints = try value.strings(allowEmpty: true)
            case "tags": scope.tags = try value.strings(allowEmpty: true)
            case "ports":
                for portNode in value.node.sequence.map(Array.init) ?? [value.node] {
                    guard let port = portNode.int, (1...65535).contains(port) else {
                        throw PolicyField(node: portNode, file: value.file, key: value.key).error("expected a port number (1-65535) or a list of them")
                    }
                    scope.ports.append(port)
                }
            case "description": _ = try value.string(allowEmpty: true)
            default:
                throw entry.key.error("unknown key (known: names, issuers, paths, endpoints, ports, tags, description)")
            }
        }
        return scope
    }

    private func parseRule(_ field: PolicyField, descriptor: RuleDescriptor) throws(PolicyError) -> [String: Setting] {
        let node = field.node
        // Shorthands: `rule:` (defaults), `rule: high` (severity), `rule: false` (off).
        if node.scalar != nil {
            if node.null != nil { return [:] }
            if let flag = node.bool { return ["enabled": Setting(value: .bool(flag), place: field.place)] }
            if let severity = Severity(rawValue: node.string ?? "") {
                return ["severity": Setting(value: .severity(severity), place: field.place)]
            }
            throw field.error("expected a mapping of settings, a severity, true/false, or nothing")
        }
        let allowed = descriptor.allowedKeys
        var settings: [String: Setting] = [:]
        for entry in try field.entries(nullIsEmpty: true) {
            guard let kind = allowed[entry.name] else {
                throw entry.key.error("unknown key for rule \(descriptor.name) (known: \(allowed.keys.sorted().joined(separator: ", ")))")
            }
            settings[entry.name] = Setting(value: try entry.value.value(kind: kind), place: entry.key.place)
        }
        return settings
    }

    private static func syntaxError(_ error: YamlError, path: String) -> PolicyError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return .syntax(path: path, line: mark.line, column: mark.column, message: prefix + problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .invalid(path: path, line: context.mark.line, column: context.mark.column, key: duplicates.joined(separator: ", "),
                            message: "duplicate key (each key may appear once per mapping)")
        case .reader(let problem, _, _, _):
            return .syntax(path: path, line: 0, column: 0, message: problem)
        default:
            return .syntax(path: path, line: 0, column: 0, message: "\(error)")
        }
    }
}

/// Where a setting was written.
struct Place: Sendable, Hashable {
    let path: String
    let line: Int
    let column: Int
    let key: String
}

struct Setting: Sendable, Hashable {
    let value: PolicyValue
    let place: Place
}

/// One file, parsed and checked but not merged.
struct PolicyDocument {
    let path: String
    var name: String?
    var description: String?
    var extends: (String, Place)?
    var scopes: [(String, Scope)] = []
    var rules: [(String, [String: Setting])] = []

    init(path: String) { self.path = path }
}

/// A policy with its `extends:` chain applied, before rules are built.
struct MergedPolicy {
    var name = ""
    var description: String?
    var sources: [String] = []
    var scopes: [String: Scope] = [:]
    var rules: [String: [String: Setting]] = [:]
    var ruleOrder: [String] = []
}

/// Policy files go through CLMCore's one YAML field reader.
typealias PolicyField = YAMLField<PolicyError>

extension PolicyError: YAMLFieldFailure {
    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self = .invalid(path: file, line: line, column: column, key: key.isEmpty ? "(top level)" : key, message: message)
    }
}

extension YAMLField where Failure == PolicyError {
    var place: Place { Place(path: file, line: line, column: column, key: key) }

    func value(kind: PolicyValueKind) throws(PolicyError) -> PolicyValue {
        switch kind {
        case .severity:
            guard let severity = Severity(rawValue: node.scalar?.string ?? "") else { throw error("expected \(kind.expectation)") }
            return .severity(severity)
        case .bool:
            guard node.scalar != nil, let flag = node.bool else { throw error("expected \(kind.expectation)") }
            return .bool(flag)
        case .int:
            guard node.scalar != nil, let number = node.int, number >= 0 else { throw error("expected \(kind.expectation)") }
            return .int(number)
        case .duration:
            guard let text = node.scalar?.string, let duration = try? DurationSpec(parsing: text) else {
                throw error("expected \(kind.expectation)")
            }
            return .duration(duration)
        case .strings:
            return .strings(try strings(allowEmpty: true))
        case .choices(let choices):
            let values = try strings(allowEmpty: true)
            if let bad = values.first(where: { !choices.contains($0) }) {
                throw error("'\(bad)' is not \(kind.expectation)")
            }
            return .strings(values)
        }
    }
}
