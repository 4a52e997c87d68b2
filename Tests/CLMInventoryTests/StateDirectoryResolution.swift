import CLMCore

/// Adapters so the tests above read as sentences.
enum StateDirectoryResolution {
    static func resolve(_ environment: [String: String], root: Bool) -> String {
        StateDirectory.resolve(environment: environment, isRoot: root).path
    }

    static func make(_ path: String) -> StateDirectory { StateDirectory(path: path) }
}
