/// One schema step, carried in the binary (see Plugins/EmbedMigrations).
public struct EmbeddedMigration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
