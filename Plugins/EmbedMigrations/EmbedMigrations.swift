import Foundation
import PackagePlugin

/// Embeds every `Migrations/NNNN_name.sql` file of the package into the
/// target as Swift source, so the `clm` binary carries its schema and works
/// from any directory.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let directory = context.package.directoryURL.appending(path: "Migrations")
        // Three sets: SQLite (Migrations/*.sql), the shared PostgreSQL schema
        // (Migrations/postgresql/*.sql) and each host's schema in it (Migrations/postgresql/host/*.sql).
        func sqlFiles(_ directory: URL) throws -> [URL] {
            try FileManager.default
                .contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        let files = try sqlFiles(directory)
        let postgres = try sqlFiles(directory.appending(path: "postgresql"))
        let host = try sqlFiles(directory.appending(path: "postgresql/host"))
        var arguments: [String] = files.map(\.path)
        arguments += ["--postgresql"] + postgres.map(\.path)
        arguments += ["--postgresql-host"] + host.map(\.path)
        let inputs: [URL] = files + postgres + host
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) + \(postgres.count) + \(host.count) migrations",
                executable: try context.tool(named: "EmbedMigrationsTool").url,
                arguments: [output.path] + arguments,
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
