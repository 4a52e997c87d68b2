import CLMTestSupport
import Foundation
import Testing

/// `--db postgresql://...`: several hosts record into one PostgreSQL
/// inventory through the `clm` binary (the release one in CI's release stage).
@Suite("Shared inventory on PostgreSQL through the clm binary", .serialized, .timeLimit(.minutes(10)))
struct SharedInventoryCommandTests {
    let server: LocalPostgres
    let clm: ClmRunner

    init() throws {
        server = try LocalPostgres.start()
        clm = try ClmRunner()
    }

    private func run(_ arguments: [String], host: String, url: String? = nil) async throws -> CommandResult {
        try await clm.run(arguments + ["--host-id", host], environment: ["CLM_DB": url ?? server.url()])
    }

    /// Rows of a table listing, split on runs of spaces.
    private func rows(_ result: CommandResult) -> [[String]] {
        result.stdoutText.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    }

    @Test("two hosts share certificates but not locations: a rescan on A never marks B's files gone; --host and --all-hosts read across")
    func hostsKeepTheirOwnLocations() async throws {
        let ca = try await clm.certificates.authority("fleet-ca")
        let treeA = try clm.directory("a"), treeB = try clm.directory("b")
        let shared = try await clm.certificates.leaf("shared", names: ["shared.example"], issuer: ca)
        let onlyA = try await clm.certificates.leaf("only-a", names: ["a.example"], issuer: ca, days: 20)
        for (file, tree) in [(shared.certificate, treeA), (shared.certificate, treeB), (onlyA.certificate, treeA)] {
            try FileManager.default.copyItem(at: file, to: tree.appendingPathComponent(file.lastPathComponent))
        }
        // The same path on both hosts: one host's rescan must not touch the other's row for it.
        let samePath = clm.home.url.appendingPathComponent("same")
        try FileManager.default.createDirectory(at: samePath, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: shared.certificate, to: samePath.appendingPathComponent("cert.pem"))

        for (host, roots) in [("web-a", [treeA.path, samePath.path]), ("web-b", [treeB.path, samePath.path])] {
            let scan = try await run(["scan"] + roots, host: host)
            #expect(scan.status == 0, "\(scan.stderrText)")
        }
        try FileManager.default.removeItem(at: samePath.appendingPathComponent("cert.pem"))
        try FileManager.default.removeItem(at: treeA.appendingPathComponent(shared.certificate.lastPathComponent))
        let rescan = try await run(["scan", treeA.path, samePath.path], host: "web-a")
        #expect(rescan.stdoutText.contains("2 locations gone"), "\(rescan.stdoutText)")

        let listA = try await run(["inventory", "list"], host: "web-a")
        #expect(listA.status == 0, "\(listA.stderrText)")
        #expect(rows(listA).map { $0[3] } == ["a.example"], "\(listA.stdoutText)")
        let listB = try await run(["inventory", "list", "--host", "web-b"], host: "web-a")
        #expect(rows(listB).map { $0[3] } == ["shared.example"], "\(listB.stdoutText)")
        #expect(rows(listB).first.map { $0[$0.count - 2] } == "2", "B keeps both its locations: \(listB.stdoutText)")
        let fleet = try await run(["inventory", "list", "--all-hosts"], host: "web-a")
        #expect(fleet.stdoutText.contains("HOSTS"))
        let byName = Dictionary(uniqueKeysWithValues: rows(fleet).map { ($0[3], $0.last ?? "") })
        #expect(byName == ["a.example": "web-a", "shared.example": "web-b"], "\(fleet.stdoutText)")

        let unknown = try await run(["inventory", "list", "--host", "nobody"], host: "web-a")
        #expect(unknown.status == 2)
        #expect(unknown.stderrText.contains("web-a") && unknown.stderrText.contains("web-b"), "\(unknown.stderrText)")
    }

    @Test("metrics: this host's by default, --all-hosts for the fleet, a host label on each; audit reads the whole fleet")
    func metricsAndAuditAcrossHosts() async throws {
        let ca = try await clm.certificates.authority("metrics-ca")
        for host in ["mail-1", "mail-2", "mail-3"] {
            let tree = try clm.directory(host)
            let leaf = try await clm.certificates.leaf(host, names: ["\(host).example"], issuer: ca, days: 10)
            try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent("cert.pem"))
            #expect(try await run(["scan", tree.path], host: host).status == 0)
        }
        let own = try await run(["metrics"], host: "mail-1")
        let ownSamples = own.stdoutText.split(separator: "\n").filter { $0.hasPrefix("x509_cert_not_after{") }
        #expect(ownSamples.count == 1 && ownSamples[0].contains("host=\"mail-1\""), "\(own.stdoutText)")
        let metrics = try await run(["metrics", "--all-hosts"], host: "mail-1")
        #expect(metrics.status == 0, "\(metrics.stderrText)")
        let samples = metrics.stdoutText.split(separator: "\n").filter { $0.hasPrefix("x509_cert_not_after{") }
        #expect(samples.count == 3, "\(metrics.stdoutText)")
        for host in ["mail-1", "mail-2", "mail-3"] {
            #expect(samples.contains { $0.contains("host=\"\(host)\"") && $0.contains("subject_CN=\"\(host).example\"") })
        }
        let one = try await run(["metrics", "--host", "mail-2"], host: "mail-1")
        let oneSamples = one.stdoutText.split(separator: "\n").filter { $0.hasPrefix("x509_cert_not_after{") }
        #expect(oneSamples.count == 1 && oneSamples[0].contains("host=\"mail-2\""), "\(one.stdoutText)")

        let audit = try await run(["audit", "--format", "json"], host: "mail-1")
        let text = audit.stdoutText
        for host in ["mail-1", "mail-2", "mail-3"] { #expect(text.contains("\(host).example"), "\(text.prefix(2000))") }
    }

    @Test("a whole-fleet audit, report and inventory show name the host of each path; a certificate several hosts hold names them all")
    func fleetFindingsNameTheirHosts() async throws {
        let ca = try await clm.certificates.authority("hosts-ca")
        let leaf = try await clm.certificates.leaf("edge", names: ["edge.example"], issuer: ca, days: 10)
        // The same path on both hosts: only the host tells the two copies apart.
        let tls = clm.home.url.appendingPathComponent("edge-tls")
        try FileManager.default.createDirectory(at: tls, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: leaf.certificate, to: tls.appendingPathComponent("cert.pem"))
        #expect(try await run(["scan", tls.path], host: "edge-1").status == 0)
        // edge-2 also holds the key, readable by others.
        try FileManager.default.copyItem(at: leaf.key, to: tls.appendingPathComponent("key.pem"))
        chmod(tls.appendingPathComponent("key.pem").path, 0o644)
        #expect(try await run(["scan", tls.path], host: "edge-2").status == 0)
        // Both hosts probe one endpoint serving the certificate for another name: each probe is its own finding.
        let server = try OpenSSLServer.start(cert: leaf.certificate.path, key: leaf.key.path)
        defer { server.stop() }
        for host in ["edge-1", "edge-2"] {
            let probe = try await run(["scan", "--endpoint", "127.0.0.1:\(server.port)"], host: host)
            #expect(probe.status == 0, "\(probe.stdoutText)\(probe.stderrText)")
        }

        let audit = try await run(["audit", "--format", "json"], host: "edge-1")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdoutText.utf8)) as? [String: Any], "\(audit.stdoutText)")
        let findings = try #require(document["findings"] as? [[String: Any]])
        let expiring = try #require(findings.first { $0["code"] as? String == "CLM102" }, "\(audit.stdoutText)")
        #expect(expiring["host"] as? String == "edge-1", "\(expiring)")
        #expect(expiring["location"] as? String == tls.appendingPathComponent("cert.pem").path)
        #expect((expiring["evidence"] as? [String: String])?["hosts"] == "edge-1,edge-2", "\(expiring)")
        let readableKey = try #require(findings.first { $0["code"] as? String == "CLM115" }, "\(audit.stdoutText)")
        #expect(readableKey["host"] as? String == "edge-2", "\(readableKey)")
        let mismatches = findings.filter { $0["code"] as? String == "CLM112" }
        #expect(mismatches.compactMap { $0["host"] as? String }.sorted() == ["edge-1", "edge-2"], "\(mismatches)")
        let table = try await run(["audit"], host: "edge-1")
        #expect(table.stdoutText.contains("[edge-2] /"), "\(table.stdoutText)")
        // One host's audit has no host to name.
        let own = try await run(["audit", "--host", "edge-2", "--format", "json"], host: "edge-1")
        let ownFindings = try #require((try JSONSerialization.jsonObject(with: Data(own.stdoutText.utf8)) as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(!ownFindings.isEmpty && ownFindings.allSatisfy { $0["host"] is NSNull }, "\(own.stdoutText)")

        let html = clm.home.url.appendingPathComponent("fleet.html").path
        let report = try await run(["report", "--html", html], host: "edge-1")
        #expect(report.status == 0, "\(report.stderrText)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("[edge-1] file: \(tls.path)/cert.pem") && page.contains("[edge-2] file: \(tls.path)/cert.pem"))

        let fingerprint = try await clm.certificates.fingerprint(of: leaf.certificate)
        let show = try await run(["inventory", "show", fingerprint, "--all-hosts"], host: "edge-1")
        #expect(show.stdoutText.contains("[edge-1] file") && show.stdoutText.contains("[edge-2] file"), "\(show.stdoutText)")
        #expect(show.stdoutText.contains("[edge-2] \(tls.path)/key.pem"), "the key's host: \(show.stdoutText)")
    }

    @Test("hosts scanning at once into one new database all succeed and record each certificate once")
    func concurrentHostsScan() async throws {
        let ca = try await clm.certificates.authority("burst-ca")
        let tree = try clm.directory("burst")
        for index in 0..<5 {
            let leaf = try await clm.certificates.leaf("burst-\(index)", names: ["b\(index).example"], issuer: ca)
            try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent("\(index).pem"))
        }
        let url = server.url()
        let results = try await withThrowingTaskGroup(of: CommandResult.self) { group in
            for index in 0..<8 {
                group.addTask { try await self.run(["scan", tree.path], host: "burst-\(index)", url: url) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderrText))")
        let fleet = try await run(["inventory", "list", "--all-hosts"], host: "burst-0")
        let listed = rows(fleet).filter { $0.count > 3 && $0[3].hasPrefix("b") }
        #expect(listed.count == 5, "\(fleet.stdoutText)")
        #expect(listed.allSatisfy { $0[$0.count - 2] == "8" }, "every host holds each certificate once: \(fleet.stdoutText)")
    }

    @Test("a wrong password or an unreachable server: exit 2, the URL redacted, nothing printed as a result")
    func connectionFailures() async throws {
        let wrong = try await run(["inventory", "list"], host: "h", url: server.url(password: "not-the-password"))
        #expect(wrong.status == 2)
        #expect(wrong.stderrText.contains("password authentication failed"), "\(wrong.stderrText)")
        #expect(!wrong.stderrText.contains("not-the-password") && wrong.stderrText.contains("***"), "\(wrong.stderrText)")
        #expect(wrong.stdoutText.isEmpty)

        let port = try TestSupport.freePort()
        let unreachable = try await run(["scan", clm.home.url.path], host: "h", url: "postgresql://clm:hunter2@127.0.0.1:\(port)/postgres?connect_timeout=3")
        #expect(unreachable.status == 2)
        #expect(!unreachable.stderrText.contains("hunter2"), "\(unreachable.stderrText)")
    }

    @Test("the password may come from a 0600 file instead of the URL; a file others can read is refused")
    func passwordFile() async throws {
        let file = clm.home.url.appendingPathComponent("pgpass")
        try Data((server.password + "\n").utf8).write(to: file)
        chmod(file.path, 0o600)
        let bare = server.url().replacingOccurrences(of: ":\(server.password)@", with: "@")
        #expect(bare != server.url())
        let ok = try await run(["inventory", "list", "--db-password-file", file.path], host: "h", url: bare)
        #expect(ok.status == 0, "\(ok.stderrText)")
        chmod(file.path, 0o644)
        let open = try await run(["inventory", "list", "--db-password-file", file.path], host: "h", url: bare)
        #expect(open.status == 2 && open.stderrText.contains("chmod 600"), "\(open.stderrText)")
    }

    @Test("clm over TLS: sslmode=verify-full with the server's CA file works; another CA fails with exit 2")
    func verifyFullThroughTheBinary() async throws {
        let ca = try TestCA()
        let leaf = try ca.issue("localhost", sans: ["localhost", "127.0.0.1"], issuer: .root)
        let tlsServer = try LocalPostgres.start(tls: (cert: leaf.certPath, key: leaf.keyPath))
        defer { tlsServer.stop() }
        let good = tlsServer.url(extra: "sslmode=verify-full&sslrootcert=\(ca.root.certPath)")
        let listed = try await run(["inventory", "list"], host: "tls-host", url: good)
        #expect(listed.status == 0, "\(listed.stderrText)")
        let other = try TestCA()
        let wrong = try await run(["inventory", "list"], host: "tls-host", url: tlsServer.url(extra: "sslmode=verify-full&sslrootcert=\(other.root.certPath)"))
        #expect(wrong.status == 2, "\(wrong.stderrText)")
        #expect(wrong.stderrText.contains("certificate") && !wrong.stderrText.contains(tlsServer.password), "\(wrong.stderrText)")
    }

    @Test("a mistyped URL is refused without its password; an empty host id and --all-hosts on SQLite are usage errors")
    func typosAreRefused() async throws {
        for typo in ["postgressql://clm:s3cret-pw@127.0.0.1:5/x", "postgresql:/clm:s3cret-pw@127.0.0.1:5/x", "pgsql://clm:s3cret-pw@h/x"] {
            let viaOption = try await clm.run(["inventory", "list", "--db", typo])
            #expect(viaOption.status == 2 && viaOption.stderrText.contains("--db"), "\(viaOption.stderrText)")
            let viaEnvironment = try await clm.run(["inventory", "list"], environment: ["CLM_DB": typo])
            #expect(viaEnvironment.status == 2 && viaEnvironment.stderrText.contains("CLM_DB"), "\(viaEnvironment.stderrText)")
            for result in [viaOption, viaEnvironment] {
                #expect(!(result.stdoutText + result.stderrText).contains("s3cret-pw"), "\(result.stderrText)")
            }
        }
        let empty = try await run(["inventory", "list"], host: "")
        #expect(empty.status == 2, "\(empty.stderrText)")
        let sqlite = try await clm.run(["inventory", "list", "--all-hosts"])
        #expect(sqlite.status == 2 && sqlite.stderrText.contains("--all-hosts"), "\(sqlite.stderrText)")
    }
}
