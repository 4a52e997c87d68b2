internal import Yams
internal import CLMDeploy
internal import CLMCore

/// A YAML node with the file and key path it came from, so every
/// validation error can name file, line and key.
struct YAMLField {
    let node: Node
    let file: String
    let key: String

    var line: Int { node.mark?.line ?? 0 }

    func error(_ message: String) -> ConfigError { ConfigError(file: file, line: line, key: key, message: message) }

    func child(_ name: String, _ node: Node) -> YAMLField {
        YAMLField(node: node, file: file, key: key.isEmpty ? name : "\(key).\(name)")
    }

    /// The mapping's values by key; any key not in `allowed` is an error.
    func mapping(allowed: [String]) throws(ConfigError) -> [String: YAMLField] {
        guard let mapping = node.mapping else { throw error("expected a mapping (key: value), found \(kindName)") }
        var fields: [String: YAMLField] = [:]
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else { throw error("keys must be plain strings") }
            let field = child(name, value)
            guard allowed.contains(name) else {
                throw ConfigError(file: file, line: keyNode.mark?.line ?? line, key: field.key,
                                  message: "unknown key (allowed here: \(allowed.joined(separator: ", ")))")
            }
            guard fields[name] == nil else { throw ConfigError(file: file, line: keyNode.mark?.line ?? line, key: field.key, message: "duplicate key") }
            fields[name] = field
        }
        return fields
    }

    func sequence() throws(ConfigError) -> [YAMLField] {
        guard let sequence = node.sequence else { throw error("expected a list, found \(kindName)") }
        return sequence.enumerated().map { YAMLField(node: $0.element, file: file, key: "\(key)[\($0.offset)]") }
    }

    func string() throws(ConfigError) -> String {
        guard let scalar = node.scalar else { throw error("expected a string, found \(kindName)") }
        let text = scalar.string
        guard !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    func int(_ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let value = Int(try string()), range.contains(value) else {
            throw error("expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func duration() throws(ConfigError) -> Int64 {
        let text = try string()
        do { return try DurationSpec(parsing: text).seconds } catch { throw self.error(error.description) }
    }

    /// A string or a list of strings.
    func strings() throws(ConfigError) -> [String] {
        if node.scalar != nil { return [try string()] }
        let list = try sequence().map { (field) throws(ConfigError) -> String in try field.string() }
        guard !list.isEmpty else { throw error("must not be empty") }
        return list
    }

    /// One command: a path, or a list `[executable, arg, ...]`.
    func argv() throws(ConfigError) -> Argv {
        let list = try strings()
        return list
    }

    /// Several commands: a single argv (list of strings) or a list of argvs.
    func argvs() throws(ConfigError) -> [Argv] {
        if node.scalar != nil { return [try argv()] }
        let items = try sequence()
        if items.allSatisfy({ $0.node.scalar != nil }) { return [try argv()] }
        return try items.map { (item) throws(ConfigError) -> Argv in try item.argv() }
    }

    var kindName: String {
        switch node {
        case .scalar: return "a string"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
