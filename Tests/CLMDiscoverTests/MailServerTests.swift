import Foundation
import Testing
import CLMCrypto
import CLMDiscover
import CLMTestSupport

/// Postfix and Dovecot configs that the real servers accept (each test starts
/// the server on them first), read by clm; and diagnosis of those servers the
/// way a mail client sees them.
@Suite("Postfix and Dovecot discovery and diagnosis with real servers", .serialized)
struct MailServerTests {
    let ca: TestCA

    init() throws { ca = try TestCA() }

    /// A world-readable copy of a test certificate's files in `directory` (the servers' users walk it).
    private func install(_ cert: TestCertificate, as name: String, in directory: String) throws -> (cert: String, key: String) {
        let certPath = directory + "/\(name).pem", keyPath = directory + "/\(name).key"
        let chain = try String(contentsOfFile: cert.certPath, encoding: .utf8) + String(contentsOfFile: ca.intermediate.certPath, encoding: .utf8)
        try chain.write(toFile: certPath, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: cert.keyPath, toPath: keyPath)
        return (certPath, keyPath)
    }

    private func temporary(_ label: String) throws -> String {
        let path = try TestSupport.temporaryDirectory(label)
        chmod(path, 0o755)
        return path
    }

    @Test("Postfix: main.cf + master.cf -o overrides with $variables, chain files, ECDSA pair, SNI map, client cert and ports are discovered")
    func postfixDiscovery() throws {
        let dir = try temporary("clm-pf-tls")
        let rsa = try install(try ca.issue("mail.example.test", key: .rsa(bits: 2048)), as: "rsa", in: dir)
        let ec = try install(try ca.issue("mail.example.test"), as: "ec", in: dir)
        let submission = try install(try ca.issue("submit.example.test"), as: "submission", in: dir)
        let mx = try install(try ca.issue("mx.example.test"), as: "mx", in: dir)
        let client = try install(try ca.issue("client.example.test"), as: "client", in: dir)
        try "mx.example.test \(mx.key) \(mx.cert)\n".write(toFile: dir + "/sni", atomically: true, encoding: .utf8)
        let postfix = try LocalPostfix.start(
            tls: ["tls_dir = \(dir)",
                  "smtpd_tls_cert_file = $tls_dir/rsa.pem",
                  "smtpd_tls_key_file = ${tls_dir}/rsa.key",
                  "smtpd_tls_eccert_file = $(tls_dir)/ec.pem",
                  "smtpd_tls_eckey_file = $tls_dir/ec.key",
                  "tls_server_sni_maps = texthash:$tls_dir/sni",
                  "smtpd_tls_protocols = >=TLSv1.2",
                  "smtp_tls_cert_file = $tls_dir/client.pem",
                  "smtp_tls_key_file = $tls_dir/client.key"],
            listeners: [.init("smtp"), .init("smtps", implicitTLS: true),
                        .init("submission", overrides: ["smtpd_tls_chain_files=$tls_dir/submission.key,$tls_dir/submission.pem",
                                                        "smtpd_tls_security_level=encrypt"])])
        defer { postfix.stop() }
        let scan = PostfixConfigReader().read(configDirectory: postfix.configDirectory)
        let (smtp, smtps, sub) = (UInt16(postfix.ports["smtp"]!), UInt16(postfix.ports["smtps"]!), UInt16(postfix.ports["submission"]!))
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        #expect(scan.files.contains(dir + "/sni"))

        let rsaSite = try #require(scan.sites.first { $0.certPath == rsa.cert })
        #expect(rsaSite.keyPath == rsa.key)
        #expect(Set(rsaSite.ports) == [smtp, smtps], "the main.cf certificate serves both services without their own")
        #expect(rsaSite.listeners.contains(SiteListener(address: "127.0.0.1", port: smtp, service: "127.0.0.1:\(smtp)", application: "smtp", starttls: true)))
        #expect(rsaSite.listeners.contains(SiteListener(address: "127.0.0.1", port: smtps, service: "127.0.0.1:\(smtps)", application: "smtp", starttls: false)))
        #expect(rsaSite.location.file.hasSuffix("/main.cf"))
        #expect(rsaSite.directives.contains { $0.name == "smtpd_tls_protocols" && $0.value == ">=TLSv1.2" })

        let ecSite = try #require(scan.sites.first { $0.certPath == ec.cert })
        #expect(ecSite.keyPath == ec.key)

        let chainSite = try #require(scan.sites.first { $0.certPath == submission.cert })
        #expect(chainSite.keyPath == submission.key)
        #expect(chainSite.ports == [sub])
        #expect(chainSite.location.file.hasSuffix("/master.cf"), "the -o override's line")
        // Line 5 is the submission service, line 6 its `-o smtpd_tls_chain_files=` continuation line.
        #expect(chainSite.location.line == 6, "\(chainSite.location)")
        #expect(!scan.sites.contains { $0.certPath == rsa.cert && $0.ports.contains(sub) }, "chain files replace cert_file on that service")

        let sniSite = try #require(scan.sites.first { $0.names == ["mx.example.test"] })
        #expect(sniSite.certPath == mx.cert && sniSite.keyPath == mx.key)
        #expect(sniSite.location == ConfigLocation(file: dir + "/sni", line: 1))

        let clientSite = try #require(scan.sites.first { $0.role == .client })
        #expect(clientSite.certPath == client.cert && clientSite.keyPath == client.key && clientSite.ports.isEmpty)
    }

    @Test("Dovecot: conf.d includes with globs, ssl_cert/ssl_key/ssl_ca/ssl_min_protocol, local_name and local blocks, listeners → ports")
    func dovecotDiscovery() throws {
        let dir = try temporary("clm-dc-tls")
        let main = try install(try ca.issue("mail.example.test"), as: "main", in: dir)
        let imap = try install(try ca.issue("imap.example.test"), as: "imap", in: dir)
        let local = try install(try ca.issue("127.0.0.1"), as: "local", in: dir)
        let dovecot = try LocalDovecot.start(ssl: ["ssl = required", "ssl_cert = <\(main.cert)", "ssl_key = <\(main.key)",
                                                   "ssl_ca = <\(ca.root.certPath)", "ssl_min_protocol = TLSv1.2"])
        defer { dovecot.stop() }
        // A local.conf (pulled in by `!include_try`) with SNI and address blocks; reload proves Dovecot accepts it.
        try """
            local_name imap.example.test {
              ssl_cert = <\(imap.cert)
              ssl_key = <\(imap.key)
            }
            local 127.0.0.1 {
              ssl_cert = <\(local.cert)
              ssl_key = <\(local.key)
            }

            """.write(toFile: dovecot.directory + "/local.conf", atomically: true, encoding: .utf8)
        try TestSupport.runChecked(try TestSupport.requireTool("doveconf", package: "dovecot-core"), ["-c", dovecot.config, "-n"])

        let scan = DovecotConfigReader().read(mainFile: dovecot.config)
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        #expect(scan.files.contains(dovecot.directory + "/conf.d/10-ssl.conf"))
        #expect(scan.files.contains(dovecot.directory + "/local.conf"))
        let p = dovecot.ports.mapValues { UInt16($0) }
        let global = try #require(scan.sites.first { $0.certPath == main.cert })
        #expect(global.keyPath == main.key)
        #expect(global.location == ConfigLocation(file: dovecot.directory + "/conf.d/10-ssl.conf", line: 2))
        #expect(Set(global.ports) == [p["imap"]!, p["imaps"]!, p["pop3"]!, p["pop3s"]!])
        #expect(global.listeners.contains(SiteListener(address: "127.0.0.1", port: p["imap"]!, service: "imap", application: "imap", starttls: true)))
        #expect(global.listeners.contains(SiteListener(address: "127.0.0.1", port: p["pop3s"]!, service: "pop3s", application: "pop3", starttls: false)))
        #expect(global.directives.contains { $0.name == "ssl_min_protocol" && $0.value == "TLSv1.2" })
        #expect(global.directives.contains { $0.name == "ssl_ca" })

        let named = try #require(scan.sites.first { $0.certPath == imap.cert })
        #expect(named.names == ["imap.example.test"])
        #expect(named.location.file == dovecot.directory + "/local.conf")
        let byAddress = try #require(scan.sites.first { $0.certPath == local.cert })
        #expect(byAddress.addresses == ["127.0.0.1"])
    }

    @Test("Dovecot details: $protocols, protocol blocks, port = 0, submission and sieve defaults, ssl = no")
    func dovecotDetails() throws {
        let dir = try temporary("clm-dc-details")
        try FileManager.default.createDirectory(atPath: dir + "/conf.d", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/protocols.d", withIntermediateDirectories: true)
        try "protocols = $protocols sieve\n".write(toFile: dir + "/protocols.d/sieve.protocol", atomically: true, encoding: .utf8)
        try """
            protocols = imap submission
            !include_try protocols.d/*.protocol
            ssl_cert = </tls/main.pem
            ssl_key = </tls/main.key
            service imap-login {
              inet_listener imaps {
                port = 0
              }
            }
            protocol submission {
              ssl_cert = </tls/submission.pem
            }

            """.write(toFile: dir + "/dovecot.conf", atomically: true, encoding: .utf8)
        let scan = DovecotConfigReader().read(mainFile: dir + "/dovecot.conf")
        let global = try #require(scan.sites.first { $0.certPath == "/tls/main.pem" })
        #expect(Set(global.ports) == [143, 587, 4190], "imaps is off (port = 0); sieve comes from $protocols")
        let submission = try #require(scan.sites.first { $0.certPath == "/tls/submission.pem" })
        #expect(submission.ports == [587])
        #expect(submission.keyPath == "/tls/main.key", "the global key applies inside the protocol block")
        #expect(submission.listeners.first?.application == "smtp" && submission.listeners.first?.starttls == true)

        try "ssl = no\nssl_cert = </tls/main.pem\n".write(toFile: dir + "/off.conf", atomically: true, encoding: .utf8)
        #expect(DovecotConfigReader().read(mainFile: dir + "/off.conf").sites.isEmpty)
    }

    @Test("Postfix details: -o { name = value }, a chain file that puts the certificate before the key, legacy smtpd_use_tls")
    func postfixDetails() throws {
        let dir = try temporary("clm-pf-details")
        let leaf = try ca.issue("mail.example.test")
        try FileManager.default.copyItem(atPath: leaf.certPath, toPath: dir + "/cert.pem")
        try FileManager.default.copyItem(atPath: leaf.keyPath, toPath: dir + "/key.pem")
        try """
            smtpd_use_tls = yes
            smtpd_tls_cert_file = \(dir)/cert.pem
            smtpd_tls_key_file = \(dir)/key.pem

            """.write(toFile: dir + "/main.cf", atomically: true, encoding: .utf8)
        try """
            smtp      inet  n       -       y       -       -       smtpd
            submission inet n       -       y       -       -       smtpd
              -o { smtpd_tls_chain_files = \(dir)/cert.pem, \(dir)/key.pem }
              -o smtpd_tls_security_level=encrypt

            """.write(toFile: dir + "/master.cf", atomically: true, encoding: .utf8)
        let scan = PostfixConfigReader().read(configDirectory: dir + "/main.cf")
        let main = try #require(scan.sites.first { $0.location.file.hasSuffix("main.cf") })
        #expect(main.ports == [25], "legacy smtpd_use_tls turns TLS on; 'smtp' is port 25")
        #expect(main.addresses == ["*"])
        let submission = try #require(scan.sites.first { $0.ports == [587] })
        #expect(submission.location == ConfigLocation(file: dir + "/master.cf", line: 3), "the -o line, not the service's")
        #expect(scan.warnings.contains { $0.message.contains("before its key") }, "\(scan.warnings)")
    }

    @Test("Broken Postfix and Dovecot configs give file:line warnings")
    func brokenConfigs() throws {
        let dir = try temporary("clm-mail-broken")
        try FileManager.default.createDirectory(atPath: dir + "/postfix", withIntermediateDirectories: true)
        try """
            smtpd_tls_security_level = may
            this line has no equals sign
            smtpd_tls_cert_file = $undefined_dir/cert.pem

            """.write(toFile: dir + "/postfix/main.cf", atomically: true, encoding: .utf8)
        try "smtp inet n - n\n".write(toFile: dir + "/postfix/master.cf", atomically: true, encoding: .utf8)
        let postfix = PostfixConfigReader().read(configDirectory: dir + "/postfix")
        let text = postfix.warnings.map(\.description)
        #expect(text.contains { $0.hasPrefix(dir + "/postfix/main.cf:2:") }, "\(text)")
        #expect(text.contains { $0.hasPrefix(dir + "/postfix/master.cf:1:") }, "\(text)")

        try """
            ssl = yes
            !include conf.d/missing.conf
            ssl_cert = </nonexistent/cert.pem
            ssl_key = </nonexistent/key.pem
            service imap-login {
              inet_listener imap {
                port = 143

            """.write(toFile: dir + "/dovecot.conf", atomically: true, encoding: .utf8)
        let dovecot = DovecotConfigReader().read(mainFile: dir + "/dovecot.conf")
        let lines = dovecot.warnings.map(\.description)
        #expect(lines.contains { $0.hasPrefix(dir + "/dovecot.conf:2:") && $0.contains("does not exist") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix(dir + "/dovecot.conf:3:") && $0.contains("/nonexistent/cert.pem") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix(dir + "/dovecot.conf:5:") && $0.contains("never closed") }, "\(lines)")
    }

    @Test("Postfix $variables that double at every step are capped: one warning at the directive, no multi-megabyte path")
    func expansionBomb() throws {
        let dir = try temporary("clm-mail-bomb")
        var main = "v0 = xxxxxxxx\n"
        for n in 1...63 { main += "v\(n) = $v\(n - 1)$v\(n - 1)\n" }
        main += "smtpd_tls_cert_file = /tmp/$v63\nsmtpd_tls_key_file = $v63\nsmtpd_tls_security_level = may\n"
        try main.write(toFile: dir + "/main.cf", atomically: true, encoding: .utf8)
        try "smtp inet n - n - - smtpd\n".write(toFile: dir + "/master.cf", atomically: true, encoding: .utf8)
        let scan = PostfixConfigReader().read(configDirectory: dir)
        let text = scan.warnings.map(\.description)
        #expect(text.contains { $0.hasPrefix(dir + "/main.cf:65:") && $0.contains("more than 4096 characters") }, "\(text.map { $0.prefix(200) })")
        #expect(text.allSatisfy { $0.utf8.count < 8_192 })
        #expect(scan.sites.allSatisfy { $0.certPath.utf8.count < 8_192 })
    }

    @Test("Fix texts name the local_name block's ssl_cert when the client sends that SNI, the global one otherwise")
    func hintFollowsSNI() throws {
        let dir = try temporary("clm-dc-sni")
        try FileManager.default.createDirectory(atPath: dir + "/conf.d", withIntermediateDirectories: true)
        try """
            protocols = imap
            ssl = required
            ssl_cert = </etc/ssl/full.pem
            ssl_key = </etc/ssl/full.key
            service imap-login {
              inet_listener imaps {
                port = 993
              }
            }
            !include conf.d/*.conf

            """.write(toFile: dir + "/dovecot.conf", atomically: true, encoding: .utf8)
        try "local_name chain.test {\n  ssl_cert = </etc/ssl/leaf-only.pem\n}\n".write(toFile: dir + "/conf.d/20-chain.conf", atomically: true, encoding: .utf8)
        let sites = DovecotConfigReader().read(mainFile: dir + "/dovecot.conf").sites
        let named = try #require(ServerHint.from(sites: sites, port: 993, serverName: "CHAIN.test"))
        #expect(named.directives["ssl_cert"] == dir + "/conf.d/20-chain.conf:2", "\(named.directives)")
        let global = try #require(ServerHint.from(sites: sites, port: 993, serverName: "other.test"))
        #expect(global.directives["ssl_cert"] == dir + "/dovecot.conf:3", "\(global.directives)")
        #expect(ServerHint.from(sites: sites, port: 993)?.directives["ssl_cert"] == dir + "/dovecot.conf:3")
    }

    @Test("A Postfix that wants a client certificate only after TLS is diagnosed as refused after TLS, with its words and directive")
    func refusedAfterTLS() async throws {
        let dir = try temporary("clm-pf-ccert")
        let leaf = try install(try ca.issue("mail.example.test"), as: "mail", in: dir)
        let postfix = try LocalPostfix.start(tls: ["smtpd_tls_chain_files = \(leaf.key), \(leaf.cert)"],
                                             listeners: [.init("submission", overrides: ["smtpd_tls_security_level=encrypt",
                                                                                        "smtpd_tls_ask_ccert=yes", "smtpd_tls_req_ccert=yes"])])
        defer { postfix.stop() }
        let target = TLSTarget(host: "127.0.0.1", port: UInt16(postfix.ports["submission"]!), sni: "mail.example.test", starttls: .smtp)
        let prober = try TLSProber(options: TLSProbeOptions(timeout: 5, caFile: ca.root.certPath, checkSession: true))
        let outcome = TLSProbeOutcome(target: target, result: await prober.probe(target))
        let result = try outcome.result.get()
        #expect(result.session?.accepted == false)
        #expect(result.software == "Postfix")

        // Without the config: the greeting names Postfix, so the fix names Postfix's directive.
        let plain = Diagnoser.diagnose(observation: outcome, now: Date(), options: DiagnoseOptions(usedCAFile: true))
        #expect(!plain.wouldClientAccept)
        #expect(!plain.has(.clientCertOptional), "never 'optional, nothing to do' while the session is refused")
        let finding = try #require(plain.findings.first { $0.code == .sessionRefusedAfterTLS })
        #expect(finding.evidence.joined().contains("No client certificate presented"), "\(finding.evidence)")
        #expect(finding.fix.contains("smtpd_tls_req_ccert"), "\(finding.fix)")

        // With the config read: the fix names the file and line of the override.
        let sites = PostfixConfigReader().read(configDirectory: postfix.configDirectory).sites
        let hint = try #require(ServerHint.from(sites: sites, port: target.port))
        let withConfig = Diagnoser.diagnose(observation: outcome, now: Date(), options: DiagnoseOptions(usedCAFile: true, server: hint))
        let fix = try #require(withConfig.findings.first { $0.code == .sessionRefusedAfterTLS }).fix
        #expect(fix.contains("smtpd_tls_req_ccert (set at \(postfix.configDirectory)/master.cf:"), "\(fix)")
    }

    @Test("Misuse: --starttls imap on an implicit-TLS port and --starttls smtp on an IMAP port get precise answers, not timeouts")
    func misuseAnswers() async throws {
        let dir = try temporary("clm-dc-misuse")
        let leaf = try install(try ca.issue("mail.example.test"), as: "mail", in: dir)
        let dovecot = try LocalDovecot.start(ssl: ["ssl_cert = <\(leaf.cert)", "ssl_key = <\(leaf.key)"])
        defer { dovecot.stop() }
        // Long timeout: the answer must come from detecting the TLS port, not from running out of time.
        let prober = try TLSProber(options: TLSProbeOptions(timeout: 30, caFile: ca.root.certPath, checkSession: true))
        let implicit = TLSTarget(host: "127.0.0.1", port: UInt16(dovecot.ports["imaps"]!), starttls: .imap)
        switch await prober.probe(implicit) {
        case let .failure(.implicitTLS(_, requested)):
            #expect(requested == .imap)
            let d = Diagnoser.diagnose(observation: TLSProbeOutcome(target: implicit, result: .failure(.implicitTLS(endpoint: "x", requested: .imap))), now: Date())
            #expect(d.has(.connectImplicitTLS))
        case let other: Issue.record("expected implicitTLS, got \(other)")
        }
        let wrong = TLSTarget(host: "127.0.0.1", port: UInt16(dovecot.ports["imap"]!), starttls: .smtp)
        switch await prober.probe(wrong) {
        case let .failure(error):
            guard case let .wrongProtocol(_, requested, found, greeting) = error else { Issue.record("got \(error)"); return }
            #expect(requested == .smtp && found == "imap")
            #expect(greeting.contains("Dovecot"))
            #expect(error.description.contains("--starttls imap"), "\(error)")
        case .success: Issue.record("expected a wrong-protocol answer")
        }
        // No --starttls on a STARTTLS port with an unusual number: the greeting names the flag to use.
        let plain = TLSTarget(host: "127.0.0.1", port: UInt16(dovecot.ports["pop3"]!), starttls: StartTLSProtocol.none)
        switch await prober.probe(plain) {
        case let .failure(error):
            guard case let .notTLS(_, detail) = error else { Issue.record("got \(error)"); return }
            #expect(detail.contains("POP3") && detail.contains("--starttls pop3"), "\(error)")
        case .success: Issue.record("expected a wrong-protocol answer")
        }
        // The right flag works, and the session after TLS is accepted.
        let right = TLSTarget(host: "127.0.0.1", port: UInt16(dovecot.ports["imap"]!), starttls: .imap)
        let result = try await prober.probe(right).get()
        #expect(result.session?.accepted == true, "\(String(describing: result.session))")
        #expect(result.session?.command == "a CAPABILITY")
    }

    @Test("--ports 25,465,587,143,993,110,995 picks STARTTLS or implicit TLS per port")
    func portsPickTheirTLS() throws {
        let targets = try TargetList.parseLine("mail.example.test", ports: [25, 465, 587, 143, 993, 110, 995], source: "--targets")
        #expect(targets.map(\.starttls) == [.smtp, StartTLSProtocol.none, .smtp, .imap, StartTLSProtocol.none, .pop3, StartTLSProtocol.none])
        #expect(targets.map(\.sessionProtocol) == [.smtp, .smtp, .smtp, .imap, .imap, .pop3, .pop3])
        let custom = try TargetList.parseLine("127.0.0.1:10993 tls=imap", ports: [], source: "--targets")
        #expect(custom.first?.starttls == StartTLSProtocol.none && custom.first?.sessionProtocol == .imap)
    }

    @Test("Chain fixes read as sentences, not '…; The CA file …'")
    func chainFixGrammar() async throws {
        let selfSigned = try ca.issue("localhost", issuer: .selfSigned)
        let server = try OpenSSLServer.start(cert: selfSigned.certPath, key: selfSigned.keyPath, chain: nil, extraArgs: [])
        let prober = try TLSProber(options: TLSProbeOptions(timeout: 5, caFile: ca.root.certPath))
        let target = TLSTarget(host: "127.0.0.1", port: server.port, sni: "localhost")
        let d = Diagnoser.diagnose(observation: TLSProbeOutcome(target: target, result: await prober.probe(target)), now: Date(),
                                   options: DiagnoseOptions(usedCAFile: true))
        for finding in d.findings { #expect(!finding.fix.contains("; The "), "\(finding.fix)") }
    }
}
