public import CLMCore

/// A configuration problem, naming the file, the line and the key.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    /// 1-based; 0 when the problem is not tied to a line (missing file).
    public let line: Int
    /// Dotted path of the key: `certificates[0].deploy[1].socket`.
    public let key: String
    public let message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

/// Config errors come from CLMCore's one YAML field reader.
extension ConfigError: YAMLFieldFailure {
    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self.init(file: file, line: line, key: key, message: message)
    }
}

typealias YAMLField = CLMCore.YAMLField<ConfigError>
