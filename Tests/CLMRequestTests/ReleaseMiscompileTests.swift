import Foundation
import Testing
import CLMTestSupport

/// The release-only crash of `clm request` / `clm renew` (issue 10): a Swift 6.3.1 optimizer
/// defect. See Tests/Regressions/AsyncTupleMiscompile.swift for the construct.
@Suite("Release miscompile of async tuple returns")
struct ReleaseMiscompileTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Regressions")
    static let sources = regressions.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")

    /// The reproducer built with -O: the workaround form must be right. The original form's
    /// result is printed so a fixed compiler shows up in the test log.
    @Test(.timeLimit(.minutes(3)))
    func workaroundIsCorrectWithOptimization() async throws {
        let swiftc = (try? TestSupport.findTool("swiftc", aptPackage: "none: Swift toolchain")) ?? "/opt/swift/usr/bin/swiftc"
        let scratch = try TemporaryDirectory(prefix: "clm-miscompile")
        let binary = scratch.file("reproducer").path
        let build = try await TestSupport.run(swiftc, ["-swift-version", "6", "-parse-as-library", "-O",
                                                       Self.regressions.appendingPathComponent("AsyncTupleMiscompile.swift").path, "-o", binary],
                                              aptPackage: "none: Swift toolchain", timeout: 170)
        #expect(build.status == 0, "\(build.stderrText)")
        let run = try await TestSupport.run(binary, [], aptPackage: "none", timeout: 60)
        #expect(run.status == 0)
        let lines = run.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.contains("workaround ok"), "\(run.stdoutText)")
        print("AsyncTupleMiscompile with this compiler: \(lines.joined(separator: "; "))")
    }

    /// The construct must not come back anywhere in Sources: a tuple built from a value and a
    /// `try await` call, returned from inside a `do` block.
    @Test func sourcesAvoidTheConstruct() throws {
        let pattern = try Regex(#"do(\s+throws\([^)]*\))?\s*\{[^}]*return\s*\([^()]*,[^;{}]*try\??!?\s+await"#)
        var offenders: [String] = []
        let files = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let code = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
            if code.contains(pattern) { offenders.append(file.path) }
        }
        #expect(offenders.isEmpty, "the -O miscompiled construct is back in: \(offenders)")
    }
}
