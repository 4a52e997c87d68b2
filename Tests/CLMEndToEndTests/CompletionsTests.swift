import CLMTestSupport
import Foundation
import Testing

/// Completions are generated from the command definitions; the committed
/// copies must match what this binary generates (run scripts/gen-completions).
@Suite struct CompletionsTests {
    @Test(arguments: [("bash", "completions/clm.bash"), ("zsh", "completions/_clm"), ("fish", "completions/clm.fish")])
    func committedCompletionsMatchTheBinary(shell: String, file: String) async throws {
        let clm = try ClmRunner()
        let generated = try await clm.run(["--generate-completion-script", shell])
        #expect(generated.status == 0)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        #expect(committed == generated.stdoutText, "\(file) is stale: run scripts/gen-completions")
        for command in ["scan", "diagnose", "request", "renew", "audit", "metrics", "report"] {
            #expect(generated.stdoutText.contains(command))
        }
    }

    @Test func theManPageExistsForEveryTopLevelCommand() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let pages = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs/man").path)
        #expect(pages.contains("clm.1"))
        for command in ["scan", "diagnose", "renew", "audit"] { #expect(pages.contains("clm.\(command).1")) }
    }

    @Test func versionIsPrinted() async throws {
        let result = try await ClmRunner().run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdoutText.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
    }
}
