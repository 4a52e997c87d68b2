/// One schema step, carried in the binary (see Plugins/EmbedMigrations).
struct EmbeddedMigration: Sendable, Hashable {
    let version: Int
    let name: String
    let sql: String

    init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
