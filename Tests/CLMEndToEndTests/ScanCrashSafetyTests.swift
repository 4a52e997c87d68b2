import CLMTestSupport
import Foundation
import Testing

/// `kill -9` in the middle of `clm scan` (the release binary in CI's release
/// stage): the inventory stays sound and the next scan completes it.
@Suite("A scan killed with SIGKILL leaves a sound inventory", .serialized, .timeLimit(.minutes(5)))
struct ScanCrashSafetyTests {
    /// `PRAGMA integrity_check` and a count, through python's sqlite3 (a separate reader).
    private func sqlite(_ database: String, _ sql: String) async throws -> String {
        let script = "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])"
        let result = try await TestSupport.run("python3", ["-c", script, database, sql], aptPackage: "python3")
        return (result.stdoutText + result.stderrText).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("killed at several points of a 6,000-file scan: integrity_check is ok every time, and a full scan then records every location")
    func killedMidScan() async throws {
        let clm = try ClmRunner()
        let ca = try await clm.certificates.authority("crash-ca")
        var leaves: [URL] = []
        for index in 0..<20 {
            leaves.append(try await clm.certificates.leaf("leaf\(index)", names: ["l\(index).crash.example"], issuer: ca).certificate)
        }
        let tree = try clm.directory("tree")
        let files = 6_000
        for index in 0..<files {
            let directory = tree.appendingPathComponent("d\(index / 200)")
            if index % 200 == 0 { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
            try FileManager.default.copyItem(at: leaves[index % leaves.count], to: directory.appendingPathComponent("c\(index).pem"))
        }
        var environment = ProcessInfo.processInfo.environment
        environment["CLM_HOME"] = clm.home.url.appendingPathComponent("state").path
        // The inventory exists before the first kill, so every round checks one
        // (a slow start must not turn rounds into no-ops).
        let created = try await clm.run(["inventory", "list"])
        #expect(created.status == 0, "\(created.stderrText)")
        var checked = 0
        for delay in [100, 200, 350, 600, 900] {
            let process = Process()
            process.executableURL = clm.binary
            process.arguments = ["scan", "--quiet", tree.path]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let check = try await sqlite(clm.database, "PRAGMA integrity_check")
            #expect(check == "ok", "after a kill at \(delay) ms: \(check)")
            checked += 1
        }
        #expect(checked == 5)
        let finished = try await clm.run(["scan", tree.path])
        #expect(finished.status == 0, "\(finished.stderrText)")
        #expect(try await sqlite(clm.database, "PRAGMA integrity_check") == "ok")
        #expect(try await sqlite(clm.database, "SELECT count(*) FROM location WHERE gone_since IS NULL") == String(files))
        // The 20 leaves are the only certificates in the tree (the CA's file is outside it).
        #expect(try await sqlite(clm.database, "SELECT count(*) FROM certificate") == String(leaves.count))
        #expect(try await sqlite(clm.database, "SELECT count(*) FROM certificate c JOIN location l ON l.certificate_id = c.id") == String(files))
    }
}
