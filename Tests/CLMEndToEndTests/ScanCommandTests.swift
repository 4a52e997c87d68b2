import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3)))
struct ScanCommandTests {
    @Test func scanThenListAsJSONGivesEveryCertificateWithItsFields() async throws {
        let clm = try ClmRunner()
        let tree = clm.home.url.appendingPathComponent("tree")
        let factory = clm.certificates
        let ca = try await factory.authority("e2e-ca")
        let soon = try await factory.leaf("soon", names: ["soon.example.test", "10.0.0.1"], issuer: ca, days: 10)
        let later = try await factory.leaf("later", names: ["later.example.test"], issuer: ca, keySpec: "rsa:2048", days: 200)
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("nginx"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: soon.certificate, to: tree.appendingPathComponent("nginx/soon.pem"))
        try FileManager.default.copyItem(at: soon.key, to: tree.appendingPathComponent("nginx/soon.key"))
        _ = try factory.bundle([later.certificate, ca.certificate], to: "later-chain.pem")
        try FileManager.default.copyItem(at: clm.home.url.appendingPathComponent("later-chain.pem"), to: tree.appendingPathComponent("later-chain.pem"))
        try Data("garbage".utf8).write(to: tree.appendingPathComponent("broken.pem"))

        let scan = try await clm.run(["scan", tree.path])
        #expect(scan.status == 0)
        #expect(scan.stdoutText.contains("3 new certificates"))
        // Warnings are diagnostics: standard error, never mixed into the results.
        #expect(scan.stderrText.contains("clm: warning: \(tree.path)/broken.pem: not a certificate or key"))
        #expect(!scan.stdoutText.contains("broken.pem"))

        let stateDir = clm.home.url.appendingPathComponent("state").path
        let dirMode = try FileManager.default.attributesOfItem(atPath: stateDir)[.posixPermissions] as? Int
        #expect(dirMode == 0o700)
        let dbMode = try FileManager.default.attributesOfItem(atPath: clm.database)[.posixPermissions] as? Int
        #expect(dbMode == 0o600)

        let listing = try #require(try await clm.json(["inventory", "list", "--format", "json"]) as? [[String: Any]])
        #expect(listing.count == 3)
        let first = try #require(listing.first)
        #expect(first["subject_cn"] as? String == "soon.example.test")   // sorted by not_after
        #expect((first["sans"] as? [String: [String]])?["dns"] == ["soon.example.test"])
        #expect((first["sans"] as? [String: [String]])?["ip"] == ["10.0.0.1"])
        #expect(first["key_algorithm"] as? String == "EC")
        #expect(first["key_curve"] as? String == "P-256")
        #expect((first["days_left"] as? Int).map { (8...10).contains($0) } == true)
        #expect(first["fingerprint_sha256"] as? String == (try await factory.fingerprint(of: soon.certificate)))
        #expect(first["location_count"] as? Int == 1)
        let rsa = try #require(listing.first { $0["subject_cn"] as? String == "later.example.test" })
        #expect(rsa["key_bits"] as? Int == 2048)

        let expiring = try #require(try await clm.json(["inventory", "list", "--expiring", "30d", "--format", "json"]) as? [[String: Any]])
        #expect(expiring.map { $0["subject_cn"] as? String } == ["soon.example.test"])

        let show = try #require(try await clm.json(["inventory", "show", String((first["fingerprint_sha256"] as? String ?? "").prefix(12)), "--format", "json"]) as? [String: Any])
        let keys = try #require(show["private_keys"] as? [[String: Any]])
        #expect(keys.first?["path"] as? String == tree.appendingPathComponent("nginx/soon.key").path)

        let csv = try await clm.run(["inventory", "list", "--format", "csv"])
        let lines = csv.stdoutText.split(separator: "\r\n")
        #expect(lines.count == 4)
        #expect(lines.first?.hasPrefix("id,fingerprint_sha256,subject,") == true)

        let again = try await clm.run(["scan", "--format", "json", tree.path])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout)) as? [String: Any])
        #expect(summary["certificates_new"] as? Int == 0)
        #expect(summary["files_unchanged"] as? Int == 4)
    }

    @Test(arguments: [
        (["inventory", "list", "--expiring", "60x"], "invalid duration '60x'"),
        (["scan"], "give at least one path"),
        (["scan", "--max-file-size", "lots", "/tmp"], "invalid size 'lots'"),
        (["inventory", "list", "--format", "xml"], "xml"),
        (["frobnicate"], "frobnicate"),
    ])
    func usageErrorsExitWith2AndSayWhatIsWrong(arguments: [String], message: String) async throws {
        let clm = try ClmRunner()
        let result = try await clm.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderrText.contains(message))
    }

    @Test func anUnknownCertificateIsAClearError() async throws {
        let clm = try ClmRunner()
        let result = try await clm.run(["inventory", "show", "deadbeefdeadbeef"])
        #expect(result.status == 1)
        #expect(result.stderrText.contains("no certificate in the inventory matches 'deadbeefdeadbeef'"))
    }

    @Test func aDatabaseFromTheFutureIsRefused() async throws {
        let clm = try ClmRunner()
        #expect(try await clm.run(["inventory", "list"]).status == 0)
        let sqlite = try await TestSupport.run("python3", ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO schema_migration VALUES (9999,'future','x',0)\"); c.commit()", clm.database], aptPackage: "python3")
        #expect(sqlite.status == 0)
        let result = try await clm.run(["inventory", "list"])
        #expect(result.status == 1)
        #expect(result.stderrText.contains("schema version 9999"))
    }

    /// Root reads everything, so the unreadable case runs clm as `nobody`.
    @Test func unreadableDirectoriesAndFilesAreWarnings() async throws {
        let clm = try ClmRunner()
        let tree = clm.home.url.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("locked"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: tree.appendingPathComponent("secret.pem"))
        chmod(tree.appendingPathComponent("locked").path, 0o000)
        chmod(tree.appendingPathComponent("secret.pem").path, 0o000)
        for directory in [clm.home.url, tree] { chmod(directory.path, 0o755) }
        // The inventory in a 0700 directory of its own user (a world-writable one is refused).
        let dbDirectory = clm.home.url.appendingPathComponent("db").path
        try FileManager.default.createDirectory(atPath: dbDirectory, withIntermediateDirectories: true)
        chmod(dbDirectory, 0o700)
        var arguments = ["scan", "--db", dbDirectory + "/nobody.sqlite", tree.path]
        var command = clm.binary.path
        if getuid() == 0 {
            chown(dbDirectory, 65534, 65534)
            command = try TestSupport.findTool("setpriv", aptPackage: "util-linux")
            arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", clm.binary.path] + arguments
        }
        let result = try await TestSupport.run(command, arguments, aptPackage: "util-linux", environment: ["NO_COLOR": "1", "HOME": "/tmp"])
        #expect(result.status == 0)
        #expect(result.stderrText.contains("locked: permission denied"))
        #expect(result.stderrText.contains("secret.pem: cannot open: permission denied"))
    }

    /// A directory that turns unreadable keeps what the inventory knew under it.
    @Test func anUnreadableDirectoryIsNotMarkedGone() async throws {
        guard getuid() == 0 else { return }  // needs root to run clm as nobody
        let clm = try ClmRunner()
        let tree = clm.home.url.appendingPathComponent("tree")
        let factory = clm.certificates
        let ca = try await factory.authority("kept-ca")
        let leaf = try await factory.leaf("kept", names: ["kept.example.test"], issuer: ca)
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("private"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent("private/cert.pem"))
        for path in [tree.path, tree.appendingPathComponent("private").path] { chmod(path, 0o777) }
        chmod(clm.home.url.path, 0o755)
        chmod(tree.appendingPathComponent("private/cert.pem").path, 0o644)
        // nobody's inventory in a 0700 directory nobody owns (a world-writable one is refused).
        let dbDirectory = clm.home.url.appendingPathComponent("db").path
        try FileManager.default.createDirectory(atPath: dbDirectory, withIntermediateDirectories: true)
        chmod(dbDirectory, 0o700)
        chown(dbDirectory, 65534, 65534)
        let database = dbDirectory + "/nobody.sqlite"
        let setpriv = try TestSupport.findTool("setpriv", aptPackage: "util-linux")
        func scanAsNobody(_ extra: [String] = []) async throws -> CommandResult {
            try await TestSupport.run(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", clm.binary.path, "scan", "--db", database, "--format", "json", tree.path],
                                      aptPackage: "util-linux", environment: ["NO_COLOR": "1", "HOME": "/tmp"])
        }
        let first = try await scanAsNobody()
        #expect(first.status == 0, "\(first.stderrText)")
        chmod(tree.appendingPathComponent("private").path, 0o000)
        let second = try await scanAsNobody()
        chmod(tree.appendingPathComponent("private").path, 0o755)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout)) as? [String: Any])
        #expect(summary["locations_gone"] as? Int == 0)
        #expect((summary["warnings"] as? [[String: Any]])?.contains { ($0["reason"] as? String)?.contains("permission denied") == true } == true)
    }
}
