import CLMTestSupport
import Foundation
import Testing

/// What an attack pass on the release binary found (issue 14), one test per finding.
@Suite(.timeLimit(.minutes(10)))  // also run in the TSan stage, with a TSan-built clm
struct HostileInputTests {
    /// A PKCS#12 without a MAC whose bags ask for 2,097,151 PBKDF2 (or legacy
    /// PBE) rounds: skipped with a warning before any key is derived.
    @Test(arguments: [[String](), ["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES"]])
    func pkcs12IterationBombInsideTheBagsIsSkipped(algorithms: [String]) async throws {
        let clm = try ClmRunner()
        let factory = clm.certificates
        let ca = try await factory.authority("bomb-ca")
        let leaf = try await factory.leaf("bomb", names: ["bomb.example.test"], issuer: ca)
        let plain = clm.home.url.appendingPathComponent("plain.p12")
        try await TestSupport.openssl(["pkcs12", "-export", "-inkey", leaf.key.path, "-in", leaf.certificate.path, "-nomac",
                                       "-iter", "65536", "-passout", "pass:", "-out", plain.path] + algorithms)
        // INTEGER 65536 (02 03 01 00 00) -> 2,097,151 (02 03 1F FF FF): same length, no MAC to break.
        let bytes = try [UInt8](Data(contentsOf: plain))
        let patched = Self.replacing([0x02, 0x03, 0x01, 0x00, 0x00], with: [0x02, 0x03, 0x1F, 0xFF, 0xFF], in: bytes)
        #expect(patched != bytes)
        let tree = try clm.directory("tree")
        try Data(patched).write(to: tree.appendingPathComponent("bomb.p12"))

        let scan = try await clm.run(["scan", tree.path])
        #expect(scan.status == 0)
        #expect(scan.stderrText.contains("bomb.p12: PKCS#12 asks for 2097151 key-derivation iterations"), "\(scan.stderrText)")
        #expect(scan.stderrText.contains("file skipped"))
    }

    /// Two scans of one tree at once: one may have to wait its turn (exit 1,
    /// saying so), but no live location is ever marked gone.
    @Test func overlappingScansNeverMarkLiveLocationsGone() async throws {
        let clm = try ClmRunner()
        let factory = clm.certificates
        let ca = try await factory.authority("overlap-ca")
        let leaf = try await factory.leaf("overlap", names: ["overlap.example.test"], issuer: ca)
        let pem = try Data(contentsOf: leaf.certificate)
        let tree = clm.home.url.appendingPathComponent("tree")
        let fileCount = 3_000
        for directory in 0..<30 {
            let folder = tree.appendingPathComponent("d\(directory)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in 0..<(fileCount / 30) { try pem.write(to: folder.appendingPathComponent("c\(file).pem")) }
        }
        _ = try await clm.run(["inventory", "list"])  // create the inventory before the race

        async let first = clm.run(["scan", "--quiet", tree.path])
        async let second = clm.run(["scan", "--quiet", tree.path])
        let results = try await [first, second]
        for result in results where result.status != 0 {
            #expect(result.status == 1)
            #expect(result.stderrText.contains("another scan"), "\(result.stderrText)")
        }
        #expect(results.contains { $0.status == 0 })

        let listing = try #require(try await clm.json(["inventory", "list", "--format", "json"]) as? [[String: Any]])
        #expect(listing.first?["location_count"] as? Int == fileCount)
        let again = try #require(try JSONSerialization.jsonObject(with: Data(try await clm.run(["scan", "--format", "json", tree.path]).stdout)) as? [String: Any])
        #expect(again["files_unchanged"] as? Int == fileCount)
        #expect(again["locations_gone"] as? Int == 0)
    }

    /// While another process holds the inventory's scan lock, a scan exits 1
    /// and says why instead of racing it.
    @Test func aScanWhileAnotherHoldsTheInventoryExits1AndSaysSo() async throws {
        let clm = try ClmRunner()
        let tree = try clm.directory("tree")
        _ = try await clm.run(["inventory", "list"])
        let lockFile = clm.database + ".scan-lock"
        // Another process holds the scan lock (a POSIX write lock, as clm takes it).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: try TestSupport.findTool("python3", aptPackage: "python3"))
        holder.arguments = ["-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nopen(sys.argv[1] + '.held', 'w').close()\ntime.sleep(60)",
                            lockFile]
        try holder.run()
        defer { kill(holder.processIdentifier, SIGKILL); holder.waitUntilExit() }
        for _ in 0..<1_500 where !FileManager.default.fileExists(atPath: lockFile + ".held") {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(FileManager.default.fileExists(atPath: lockFile + ".held"), "the lock holder never took the lock")
        let scan = try await clm.run(["scan", tree.path])
        #expect(scan.status == 1)
        #expect(scan.stderrText.contains("another scan"), "\(scan.stderrText)")
        #expect(scan.stderrText.contains("try again"))
    }

    /// A hostile SAN and hostile file names: every human and CSV output shows
    /// their control characters escaped, none reaches the terminal raw.
    @Test func controlCharactersInSANsAndFileNamesAreEscapedEverywhere() async throws {
        let clm = try ClmRunner()
        let factory = clm.certificates
        let ca = try await factory.authority("ctl-ca")
        let evil = "evil\u{1B}[2J\u{1B}[H\u{1B}[32mALL GOOD\u{7F}"
        let leaf = try await factory.leaf("ctl", names: ["ok.example.test", evil], issuer: ca)
        let tree = try clm.directory("tree")
        try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent("cert\u{1B}[31m.pem"))
        try Data("junk".utf8).write(to: tree.appendingPathComponent("junk\u{1B}]0;title\u{07}\u{9B}.pem"))

        var outputs: [String: String] = [:]
        let scan = try await clm.run(["scan", tree.path])
        outputs["scan"] = scan.stdoutText
        outputs["scan warnings"] = scan.stderrText
        #expect(scan.stderrText.contains(#"junk\x1B]0;title\x07\x9B.pem: not a certificate"#), "\(scan.stderrText)")
        outputs["list"] = try await clm.run(["inventory", "list"]).stdoutText
        let csv = try await clm.run(["inventory", "list", "--format", "csv"]).stdoutText
        outputs["csv"] = csv.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(csv.contains(#"evil\x1B[2J\x1B[H\x1B[32mALL GOOD\x7F"#), "\(csv)")
        let fingerprint = try await factory.fingerprint(of: leaf.certificate)
        let show = try await clm.run(["inventory", "show", fingerprint])
        outputs["show"] = show.stdoutText
        #expect(show.stdoutText.contains(#"dns:evil\x1B[2J\x1B[H\x1B[32mALL GOOD\x7F"#), "\(show.stdoutText)")
        #expect(show.stdoutText.contains(#"cert\x1B[31m.pem"#))

        let server = try OpenSSLServer.start(cert: leaf.certificate.path, key: leaf.key.path)
        defer { server.stop() }
        let diagnose = try await clm.run(["diagnose", "127.0.0.1:\(server.port)", "--sni", "other.example.test",
                                          "--ca-file", ca.certificate.path])
        outputs["diagnose"] = diagnose.stdoutText
        #expect(diagnose.stdoutText.contains(#"\x1B[2J"#), "\(diagnose.stdoutText)")

        outputs["metrics"] = try await clm.run(["metrics"]).stdoutText
        let html = clm.home.url.appendingPathComponent("report.html").path
        #expect(try await clm.run(["report", "--html", html]).status == 0)
        outputs["report"] = try String(contentsOfFile: html, encoding: .utf8)
        #expect(outputs["report"]?.contains(#"cert\x1B[31m.pem"#) == true)

        // The JSON listing keeps the real value (its encoder escapes it).
        let json = try #require(try await clm.json(["inventory", "list", "--format", "json"]) as? [[String: Any]])
        #expect((json.first?["sans"] as? [String: [String]])?["dns"]?.contains(evil) == true)

        for (name, text) in outputs {
            let raw = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
            #expect(raw.isEmpty, "\(name) printed raw control characters: \(raw.map { String($0.value, radix: 16) })")
        }
    }

    static func replacing(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var index = 0
        while index + pattern.count <= out.count {
            if Array(out[index..<(index + pattern.count)]) == pattern {
                out.replaceSubrange(index..<(index + pattern.count), with: replacement)
                index += replacement.count
            } else {
                index += 1
            }
        }
        return out
    }
}

/// Deeply nested configuration: a warning or error naming file:line, never a stack overflow.
@Suite(.timeLimit(.minutes(10)))  // also run in the TSan stage, with a TSan-built clm
struct HostileNestingTests {
    @Test(arguments: [false, true])
    func deeplyNestedNginxBlocksAreCappedWithFileAndLine(throughInclude: Bool) async throws {
        let clm = try ClmRunner()
        let conf = try clm.directory("nginx")
        let depth = 40_000
        let deep = "events {}\n" + String(repeating: "location / {\n", count: depth) + String(repeating: "}\n", count: depth)
        let deepName = throughInclude ? "deep.conf" : "nginx.conf"
        try Data(deep.utf8).write(to: conf.appendingPathComponent(deepName))
        if throughInclude {
            try Data("http {\n  server {\n    include \(conf.path)/deep.conf;\n  }\n}\n".utf8).write(to: conf.appendingPathComponent("nginx.conf"))
        }
        let scan = try await clm.run(["scan", "--nginx", conf.appendingPathComponent("nginx.conf").path])
        #expect(scan.status == 0, "\(scan.stderrText)")
        // 64 blocks deep at most: the 65th opener is reported, in the file that holds it.
        let line = throughInclude ? 64 : 66  // line 1 is `events {}`
        #expect(scan.stderrText.contains("\(deepName):\(line): blocks nested deeper than 64"), "\(scan.stderrText.prefix(2000))")
    }

    @Test func aMissingCertificateFileIsOneWarningWithItsLine() async throws {
        let clm = try ClmRunner()
        let conf = clm.home.url.appendingPathComponent("nginx.conf")
        let missing = clm.home.url.appendingPathComponent("tls/missing.pem").path
        try Data("http {\n  server {\n    listen 443 ssl;\n    ssl_certificate \(missing);\n    ssl_certificate_key \(missing).key;\n  }\n}\n".utf8).write(to: conf)
        let scan = try await clm.run(["scan", "--nginx", conf.path])
        let lines = scan.stderrText.split(separator: "\n").filter { $0.contains(missing) && !$0.contains(".pem.key") }
        #expect(lines.count == 1, "\(scan.stderrText)")
        #expect(lines.first?.contains("nginx.conf:4") == true, "\(scan.stderrText)")
    }

    @Test func configWarningsAreCappedPerFile() async throws {
        let clm = try ClmRunner()
        let conf = clm.home.url.appendingPathComponent("braces.conf")
        try Data(String(repeating: "}\n", count: 100_000).utf8).write(to: conf)
        let scan = try await clm.run(["scan", "--nginx", conf.path])
        let lines = scan.stderrText.split(separator: "\n")
        #expect(lines.count < 30, "\(lines.count) lines")
        #expect(scan.stderrText.contains("braces.conf:11: 99990 more warnings in this file not shown (the first 10 are)"),
                "\(scan.stderrText.prefix(3000))")
    }

    @Test func deeplyNestedDovecotSectionsAreCappedWithFileAndLine() async throws {
        let clm = try ClmRunner()
        let conf = clm.home.url.appendingPathComponent("dovecot.conf")
        let depth = 40_000
        let deep = "ssl = yes\n" + String(repeating: "service imap {\n", count: depth) + String(repeating: "}\n", count: depth)
            + "ssl_cert = </nonexistent/after-the-nesting.pem\n"
        try Data(deep.utf8).write(to: conf)
        let scan = try await clm.run(["scan", "--dovecot", conf.path])
        #expect(scan.status == 0, "\(scan.stderrText.prefix(2000))")
        // Line 1 is `ssl = yes`; the 65th opener is line 66 and is skipped whole.
        #expect(scan.stderrText.contains("dovecot.conf:66: sections nested deeper than 64"), "\(scan.stderrText.prefix(2000))")
        // What follows the nesting is still read.
        #expect(scan.stderrText.contains("after-the-nesting.pem"), "\(scan.stderrText.prefix(2000))")
    }

    @Test func deeplyNestedYAMLPolicyIsASyntaxErrorWithItsLine() async throws {
        let clm = try ClmRunner()
        let policy = clm.home.url.appendingPathComponent("deep.yaml")
        try Data(("name: deep\nscopes: " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "\n").utf8).write(to: policy)
        let check = try await clm.run(["policy", "check", policy.path])
        #expect(check.status != 0)
        #expect(check.stderrText.contains("deep.yaml:2:"), "\(check.stderrText)")
        #expect(check.stderrText.contains("nesting"))
    }
}

/// The state dir is trusted the way ssh trusts ~/.ssh (issue 14, item 7).
@Suite(.timeLimit(.minutes(10)))  // also run in the TSan stage, with a TSan-built clm
struct StateDirectoryTrustTests {
    enum Plant: String, CaseIterable, CustomTestStringConvertible {
        case worldWritableHome, groupWritableHome, foreignHome, symlinkHome, foreignDatabase, symlinkCertificates, foreignCertificateDirectory
        var testDescription: String { rawValue }
    }

    static let nobody: uid_t = 65534

    @Test(.enabled(if: getuid() == 0, "chown needs root"), arguments: Plant.allCases)
    func anUntrustedStateDirIsRefusedWithExit2AndAReason(plant: Plant) async throws {
        let clm = try ClmRunner()
        let state = clm.home.url.appendingPathComponent("state").path
        let first = try await clm.run(["inventory", "list"])
        #expect(first.status == 0, "\(first.stderrText)")
        let elsewhere = clm.home.url.appendingPathComponent("elsewhere").path
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let expected: String
        switch plant {
        case .worldWritableHome:
            chmod(state, 0o777)
            expected = "and others (mode 777)"
        case .groupWritableHome:
            chmod(state, 0o770)
            expected = "writable by group"
        case .foreignHome:
            chown(state, Self.nobody, Self.nobody)
            expected = "owned by uid 65534"
        case .symlinkHome:
            try FileManager.default.moveItem(atPath: state, toPath: elsewhere + "/state")
            try FileManager.default.createSymbolicLink(atPath: state, withDestinationPath: elsewhere + "/state")
            expected = "symlink"
        case .foreignDatabase:
            chown(clm.database, Self.nobody, Self.nobody)
            expected = "owned by uid 65534"
        case .symlinkCertificates:
            try FileManager.default.createSymbolicLink(atPath: state + "/certificates", withDestinationPath: elsewhere)
            expected = "symlink"
        case .foreignCertificateDirectory:
            try FileManager.default.createDirectory(atPath: state + "/certificates/www", withIntermediateDirectories: true)
            chmod(state + "/certificates", 0o700)
            chmod(state + "/certificates/www", 0o700)
            chown(state + "/certificates/www", Self.nobody, Self.nobody)
            expected = "owned by uid 65534"
        }
        let elsewhereMode = try FileManager.default.attributesOfItem(atPath: elsewhere)[.posixPermissions] as? Int
        for arguments in [["inventory", "list"], ["scan", elsewhere]] {
            let result = try await clm.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stdoutText) \(result.stderrText)")
            #expect(result.stderrText.contains("refusing to use"), "\(result.stderrText)")
            #expect(result.stderrText.contains(expected), "\(result.stderrText)")
        }
        // Nothing was chmod'ed through a planted link.
        #expect(try FileManager.default.attributesOfItem(atPath: elsewhere)[.posixPermissions] as? Int == elsewhereMode)
    }

    @Test(.enabled(if: getuid() == 0, "chown needs root"))
    func aForeignDatabaseGivenWithDbIsRefused() async throws {
        let clm = try ClmRunner()
        let db = clm.home.url.appendingPathComponent("other.sqlite").path
        let made = try await clm.run(["inventory", "list", "--db", db])
        #expect(made.status == 0)
        chown(db, Self.nobody, Self.nobody)
        let result = try await clm.run(["inventory", "list", "--db", db])
        #expect(result.status == 2)
        #expect(result.stderrText.contains("owned by uid 65534"), "\(result.stderrText)")
    }

    @Test func aDbInAWorldWritableDirectoryWithoutStickyBitIsRefused() async throws {
        let clm = try ClmRunner()
        let open = clm.home.url.appendingPathComponent("open").path
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        chmod(open, 0o777)
        let refused = try await clm.run(["inventory", "list", "--db", open + "/inv.sqlite"])
        #expect(refused.status == 2)
        #expect(refused.stderrText.contains("writable by others and has no sticky bit"), "\(refused.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: open + "/inv.sqlite"))
        chmod(open, 0o1777)  // like /tmp: others cannot replace our file
        #expect(try await clm.run(["inventory", "list", "--db", open + "/inv.sqlite"]).status == 0)
    }
}

/// Warnings are bounded per file, per scan and in the inventory (item 6).
@Suite(.timeLimit(.minutes(10)))  // also run in the TSan stage, with a TSan-built clm
struct WarningBoundsTests {
    @Test func oneFileOfGarbageBlocksAndThousandsOfEmptyFilesStayBounded() async throws {
        let clm = try ClmRunner()
        let tree = try clm.directory("tree")
        let block = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
        let garbageRoot = try clm.directory("garbage")
        try Data(String(repeating: block, count: 20_000).utf8).write(to: garbageRoot.appendingPathComponent("garbage.pem"))
        let empties = tree.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empties, withIntermediateDirectories: true)
        for index in 0..<1_500 { try Data().write(to: empties.appendingPathComponent("e\(index).crt")) }

        let scan = try await clm.run(["scan", garbageRoot.path, tree.path])
        #expect(scan.status == 0, "\(scan.stderrText)")
        let lines = scan.stderrText.split(separator: "\n")
        let garbage = try #require(lines.first { $0.contains("garbage.pem") })
        #expect(garbage.utf8.count < 1_500, "\(garbage.prefix(300))")
        #expect(garbage.contains("20000 problems, the first 10"))
        #expect(lines.count < 1_010)
        #expect(scan.stderrText.contains("more warnings not shown or stored"))

        let rows = try await TestSupport.run("sqlite3", [clm.database, "SELECT count(*), max(length(reason)) FROM scan_warning"], aptPackage: "sqlite3")
        let figures = rows.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").compactMap { Int($0) }
        #expect(figures.count == 2)
        #expect((figures.first ?? .max) <= 1_001)
        #expect((figures.last ?? .max) < 1_200)
    }

    @Test func onlyTheLastScansKeepTheirWarnings() async throws {
        let clm = try ClmRunner()
        let tree = try clm.directory("tree")
        try Data("junk".utf8).write(to: tree.appendingPathComponent("junk.pem"))
        for _ in 0..<23 { _ = try await clm.run(["scan", "--quiet", tree.path]) }
        let rows = try await TestSupport.run("sqlite3", [clm.database, "SELECT count(DISTINCT scan_id) FROM scan_warning"], aptPackage: "sqlite3")
        #expect(Int(rows.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) == 20)
    }
}

/// The EAB HMAC key need not appear in argv (item 10).
@Suite(.timeLimit(.minutes(10)))  // also run in the TSan stage, with a TSan-built clm
struct EABKeySourceTests {
    static let key = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
    // Nothing listens on port 9 of 127.0.0.1: registration fails after the key was accepted.
    static let server = ["account", "register", "--server", "https://127.0.0.1:9/dir", "--timeout", "5s", "--eab-kid", "kid-1"]

    @Test func theKeyOnTheCommandLineWorksButIsWarnedAbout() async throws {
        let clm = try ClmRunner()
        let result = try await clm.run(Self.server + ["--eab-hmac-key", Self.key])
        #expect(result.stderrText.contains("--eab-hmac-key shows the key to every user"), "\(result.stderrText)")
        #expect(!result.stderrText.contains("go together"))
    }

    @Test func theKeyFromAFileOrTheEnvironmentIsUsedWithoutAWarning() async throws {
        let clm = try ClmRunner()
        let file = clm.home.url.appendingPathComponent("eab.key")
        try Data((Self.key + "\n").utf8).write(to: file)
        for (arguments, environment) in [(["--eab-hmac-key-file", file.path], [String: String]()), ([], ["CLM_EAB_HMAC_KEY": Self.key])] {
            let result = try await clm.run(Self.server + arguments, environment: environment)
            #expect(result.status != 0)  // nothing answers on port 9
            #expect(!result.stderrText.contains("shows the key"), "\(result.stderrText)")
            #expect(!result.stderrText.contains("go together"), "\(result.stderrText)")
            #expect(!result.stderrText.contains("base64url"), "\(result.stderrText)")
        }
        let bad = try await clm.run(Self.server, environment: ["CLM_EAB_HMAC_KEY": "not base64!"])
        #expect(bad.status == 2)
        #expect(bad.stderrText.contains("CLM_EAB_HMAC_KEY: the EAB HMAC key is not base64url"), "\(bad.stderrText)")
        let twice = try await clm.run(Self.server + ["--eab-hmac-key-file", file.path], environment: ["CLM_EAB_HMAC_KEY": Self.key])
        #expect(twice.status == 2)
        #expect(twice.stderrText.contains("given twice"))
    }
}

/// File names that are not UTF-8 are walked and opened by their bytes (item 9).
@Suite(.timeLimit(.minutes(10)))  // also run in the TSan stage, with a TSan-built clm
struct NonUTF8FileNameTests {
    @Test func aCertificateInAFileWhoseNameIsNotUTF8IsFoundAndShownEscaped() async throws {
        let clm = try ClmRunner()
        let factory = clm.certificates
        let ca = try await factory.authority("bytes-ca")
        let leaf = try await factory.leaf("bytes", names: ["bytes.example.test"], issuer: ca)
        let tree = clm.home.url.appendingPathComponent("tree")
        // Python writes the names: Swift strings cannot hold these bytes.
        let script = """
            import os, sys
            tree, cert = sys.argv[1].encode(), open(sys.argv[2], 'rb').read()
            os.makedirs(tree + b'/dir\\xfe', exist_ok=True)
            open(tree + b'/dir\\xfe/cert-\\xff\\xc3(.pem', 'wb').write(cert)
            """
        let made = try await TestSupport.run("python3", ["-c", script, tree.path, leaf.certificate.path], aptPackage: "python3")
        #expect(made.status == 0, "\(made.stderrText)")

        let scan = try await clm.run(["scan", tree.path])
        #expect(scan.status == 0)
        #expect(scan.stdoutText.contains("1 new certificates"), "\(scan.stdoutText)")
        #expect(!scan.stderrText.contains("no such file"))
        let fingerprint = try await factory.fingerprint(of: leaf.certificate)
        let show = try await clm.run(["inventory", "show", fingerprint])
        #expect(show.stdoutText.contains(#"dir\xFE/cert-\xFF\xC3(.pem"#), "\(show.stdoutText)")
        // A rescan finds the same file unchanged, not gone.
        let again = try #require(try JSONSerialization.jsonObject(with: Data(try await clm.run(["scan", "--format", "json", tree.path]).stdout)) as? [String: Any])
        #expect(again["files_unchanged"] as? Int == 1)
        #expect(again["locations_gone"] as? Int == 0)
    }
}
