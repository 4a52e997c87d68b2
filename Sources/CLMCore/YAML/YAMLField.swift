public import Yams

/// An error a YAML loader reports at a place: file, line, column and the
/// dotted key path (`certificates[0].deploy[1].socket`, `rules.expiring.warn`).
public protocol YAMLFieldFailure: Error {
    init(file: String, line: Int, column: Int, key: String, message: String)
}

/// A YAML node with the file and key path it came from, so every
/// validation error can name file, line and key: the one field reader of
/// the config loader (`clm.yaml`, conf.d) and the audit policy loader.
public struct YAMLField<Failure: YAMLFieldFailure> {
    public let node: Node
    public let file: String
    public let key: String

    public init(node: Node, file: String, key: String) { (self.node, self.file, self.key) = (node, file, key) }

    public var line: Int { node.mark?.line ?? 0 }
    public var column: Int { node.mark?.column ?? 0 }

    public func error(_ message: String) -> Failure {
        Failure(file: file, line: line, column: column, key: key, message: message)
    }

    public func child(_ name: String, _ node: Node) -> YAMLField {
        YAMLField(node: node, file: file, key: key.isEmpty ? name : "\(key).\(name)")
    }

    /// The mapping's entries in file order, each key field (for errors that
    /// point at the key) with its value; keys must be plain strings, each
    /// at most once. A null value is an empty mapping when `nullIsEmpty`.
    public func entries(nullIsEmpty: Bool = false) throws(Failure) -> [(name: String, key: YAMLField, value: YAMLField)] {
        if nullIsEmpty && node.null != nil { return [] }
        guard let mapping = node.mapping else { throw error("expected a mapping (key: value), found \(kindName)") }
        var seen: Set<String> = []
        var entries: [(name: String, key: YAMLField, value: YAMLField)] = []
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else { throw error("keys must be plain strings") }
            let keyField = child(name, keyNode)
            guard seen.insert(name).inserted else { throw keyField.error("duplicate key") }
            entries.append((name, keyField, child(name, value)))
        }
        return entries
    }

    /// The mapping's values by key; any key not in `allowed` is an error.
    public func mapping(allowed: [String]) throws(Failure) -> [String: YAMLField] {
        var fields: [String: YAMLField] = [:]
        for entry in try entries() {
            guard allowed.contains(entry.name) else { throw entry.key.error("unknown key (allowed here: \(allowed.joined(separator: ", ")))") }
            fields[entry.name] = entry.value
        }
        return fields
    }

    public func sequence() throws(Failure) -> [YAMLField] {
        guard let sequence = node.sequence else { throw error("expected a list, found \(kindName)") }
        return sequence.enumerated().map { YAMLField(node: $0.element, file: file, key: "\(key)[\($0.offset)]") }
    }

    /// A scalar that is not null; empty only when `allowEmpty`.
    public func string(allowEmpty: Bool = false) throws(Failure) -> String {
        guard let scalar = node.scalar, !allowEmpty || node.null == nil else { throw error("expected a string, found \(kindName)") }
        let text = scalar.string
        guard allowEmpty || !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    public func int(_ range: ClosedRange<Int>) throws(Failure) -> Int {
        guard let value = Int(try string()), range.contains(value) else {
            throw error("expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A ``DurationSpec`` ("90d", "12h"), in seconds.
    public func duration() throws(Failure) -> Int64 {
        let text = try string()
        do { return try DurationSpec(parsing: text).seconds } catch { throw self.error(error.description) }
    }

    /// A string or a list of strings (non-empty unless `allowEmpty`).
    public func strings(allowEmpty: Bool = false) throws(Failure) -> [String] {
        if node.scalar != nil { return [try string(allowEmpty: allowEmpty)] }
        let list = try sequence().map { (field) throws(Failure) -> String in try field.string(allowEmpty: allowEmpty) }
        guard allowEmpty || !list.isEmpty else { throw error("must not be empty") }
        return list
    }

    /// One command: a path, or a list `[executable, arg, ...]`.
    public func argv() throws(Failure) -> [String] {
        try strings()
    }

    /// Several commands: a single argv (list of strings) or a list of argvs.
    public func argvs() throws(Failure) -> [[String]] {
        if node.scalar != nil { return [try argv()] }
        let items = try sequence()
        if items.allSatisfy({ $0.node.scalar != nil }) { return [try argv()] }
        return try items.map { (item) throws(Failure) -> [String] in try item.argv() }
    }

    public var kindName: String {
        switch node {
        case .scalar: return node.null != nil ? "nothing" : "a string"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
