import CLMTestSupport
import Foundation

/// Runs the built `clm` binary with its own state dir.
struct ClmRunner {
    let home: TemporaryDirectory
    let binary: URL

    init() throws {
        home = try TemporaryDirectory(prefix: "clm-e2e")
        binary = try ClmBinary.url()
    }

    var database: String { home.url.appendingPathComponent("state/inventory.sqlite").path }

    /// A new directory `name` in the runner's home (the tree a test scans).
    func directory(_ name: String) throws -> URL {
        let url = home.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A certificate factory writing into the runner's home.
    var certificates: CertificateFactory { CertificateFactory(directory: home.url) }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["CLM_HOME"] = home.url.appendingPathComponent("state").path
        environment["NO_COLOR"] = "1"
        for (key, value) in extra { environment[key] = value }
        return try await TestSupport.run(binary.path, arguments, aptPackage: "none", environment: environment, timeout: 120)
    }

    func json(_ arguments: [String]) async throws -> Any {
        let result = try await run(arguments)
        guard result.status == 0 else { throw TestSupportError.commandFailed(command: arguments.joined(separator: " "), status: result.status, stderr: result.stderrText) }
        return try JSONSerialization.jsonObject(with: Data(result.stdout))
    }
}
