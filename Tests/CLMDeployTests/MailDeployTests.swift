import Foundation
import Testing
import CLMCrypto
import CLMInventory
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// `target: postfix` and `target: dovecot` against private Postfix and Dovecot
/// instances on loopback: the new certificate is served after the reload on
/// every port (STARTTLS and implicit TLS) and the session still works; a
/// broken server config fails the check and the old certificate stays served.
@Suite("Postfix and Dovecot deploy targets with real servers", .serialized)
struct MailDeployTests {
    @Test("`target: postfix` and `target: dovecot` parse to directory / combined-file targets with the servers' check and reload")
    func configParses() throws {
        let yaml = DeployYAML.certificate("mail", domains: "mail.example.test", deploy: """
                  - { target: postfix, dir: /etc/postfix/tls/mail, verify: ["127.0.0.1:25", "127.0.0.1:465", "127.0.0.1:2525 starttls=smtp"] }
                  - { target: postfix, path: /etc/postfix/tls/chain.pem, hook: Hooks/postfix }
                  - { target: dovecot, dir: /etc/dovecot/tls/mail, verify: ["127.0.0.1:143", "127.0.0.1:10993 tls=imap sni=imap.example.test"] }
            """)
        let config = try ConfigLoader().load(yaml: yaml, file: "/srv/clm/clm.yaml")
        let targets = try #require(config.certificate(named: "mail")).targets
        #expect(targets[0].kind == .directory("/etc/postfix/tls/mail"))
        #expect(targets[0].reload == .command(check: ["postfix", "check"], reload: ["postfix", "reload"]))
        #expect(targets[0].verifyEndpoints.map(\.starttls) == [.smtp, StartTLSProtocol.none, .smtp])
        #expect(targets[1].kind == .combinedFile("/etc/postfix/tls/chain.pem"))
        #expect(targets[1].reload == .command(check: ["/srv/clm/Hooks/postfix", "check"], reload: ["/srv/clm/Hooks/postfix", "reload"]))
        #expect(targets[2].reload == .command(check: ["doveconf", "-n"], reload: ["doveadm", "reload"]))
        #expect(targets[2].verifyEndpoints[1] == VerifyEndpoint(host: "127.0.0.1", port: 10993, serverName: "imap.example.test",
                                                                 starttls: StartTLSProtocol.none, application: .imap))
        let dovecotPath = yaml.replacingOccurrences(of: "target: dovecot, dir:", with: "target: dovecot, path:")
        #expect(throws: ConfigError.self) { try ConfigLoader().load(yaml: dovecotPath, file: "/srv/clm/clm.yaml") }
        let badVerify = yaml.replacingOccurrences(of: "starttls=smtp", with: "starttls=ftp")
        #expect(throws: ConfigError.self) { try ConfigLoader().load(yaml: badVerify, file: "/srv/clm/clm.yaml") }
    }

    @Test("Hooks/postfix: deploy to a real Postfix is served on the STARTTLS and the implicit-TLS port; a broken main.cf rolls back")
    func postfixDeployAndRollback() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-postfix-deploy", serversRead: true)
        let target = temp.path + "/tls/mail"
        let bootstrap = try await sets.plainFiles("bootstrap", names: ["mail.example.test"], in: target)
        let postfix = try LocalPostfix.start(tls: ["smtpd_tls_chain_files = \(target)/privkey.pem, \(target)/fullchain.pem"],
                                             listeners: [.init("smtp"), .init("smtps", implicitTLS: true)])
        defer { postfix.stop() }
        let smtp = postfix.ports["smtp"]!, smtps = postfix.ports["smtps"]!
        let state = temp.path + "/state"
        let env = ["CLM_POSTFIX": postfix.binary, "CLM_POSTFIX_CONFIG": postfix.configDirectory]
        let yaml = DeployYAML.certificate("mail", domains: "mail.example.test", deploy: """
                  - { target: postfix, dir: "\(target)", hook: "\(RepositoryHooks.path("postfix"))", env: \(DeployYAML.map(env)),
                      verify: \(DeployYAML.list(["127.0.0.1:\(smtp) starttls=smtp", "127.0.0.1:\(smtps) tls=smtp"])) }
            """)
        let certificate = try loadCertificate(yaml, in: temp, named: "mail")
        let endpoints = try #require(certificate.targets.first).verifyEndpoints
        #expect(endpoints.count == 2)
        let probe = TLSEndpointProbe()
        try expectServed(bootstrap, at: endpoints, probe: probe)

        let deployer = Deployer(stateRoot: state)
        let (new, material) = try await sets.stored("new", names: ["mail.example.test"], name: "mail", stateRoot: state)
        let first = try #require(await deployer.deployOnThread([.init(certificate: certificate, material: material)]).first)
        #expect(first.succeeded, "\(first.error?.description ?? "") \(postfix.log.suffix(2000))")
        // Verification probed each port with its own STARTTLS / implicit TLS and an EHLO after the handshake.
        #expect(first.notes.filter { $0.contains("serves the new certificate") }.count == 2, "\(first.notes)")
        try expectServed(new, at: endpoints, probe: probe)

        // A main.cf `postfix check` refuses: the set goes back and the served certificate stays.
        let mainCF = postfix.configDirectory + "/main.cf"
        let good = try String(contentsOfFile: mainCF, encoding: .utf8)
        try (good + "this line is not a parameter\n").write(toFile: mainCF, atomically: true, encoding: .utf8)
        guard try await sets.deployNewerRefusedByCheck(certificate, deployer: deployer, state: state) else { return }
        #expect(try servedDirectorySet(target) == new)
        try expectServed(new, at: endpoints, probe: probe)
    }

    @Test("A Postfix `path:` target writes one key+chain file for smtpd_tls_chain_files and Postfix serves it")
    func postfixCombinedFile() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-postfix-combined", serversRead: true)
        let bootstrapDir = temp.path + "/bootstrap"
        _ = try await sets.plainFiles("bootstrap", names: ["mail.example.test"], in: bootstrapDir)
        let combined = temp.path + "/tls/mail.pem"
        try FileManager.default.createDirectory(atPath: temp.path + "/tls", withIntermediateDirectories: true)
        try (Data(contentsOf: URL(fileURLWithPath: bootstrapDir + "/privkey.pem")) + Data(contentsOf: URL(fileURLWithPath: bootstrapDir + "/fullchain.pem")))
            .write(to: URL(fileURLWithPath: combined))
        let postfix = try LocalPostfix.start(tls: ["smtpd_tls_chain_files = \(combined)"], listeners: [.init("submission")])
        defer { postfix.stop() }
        let state = temp.path + "/state"
        let port = postfix.ports["submission"]!
        let yaml = DeployYAML.certificate("mail", domains: "mail.example.test", deploy: """
                  - { target: postfix, path: "\(combined)", check: ["\(postfix.binary)", "-c", "\(postfix.configDirectory)", "check"],
                      reload: ["\(postfix.binary)", "-c", "\(postfix.configDirectory)", "reload"], verify: "127.0.0.1:\(port) starttls=smtp" }
            """)
        let certificate = try loadCertificate(yaml, in: temp, named: "mail")
        let (new, material) = try await sets.stored("new", names: ["mail.example.test"], name: "mail", stateRoot: state)
        let report = try #require(await Deployer(stateRoot: state).deployOnThread([.init(certificate: certificate, material: material)]).first)
        #expect(report.succeeded, "\(report.error?.description ?? "")")
        let text = try String(contentsOfFile: combined, encoding: .utf8)
        #expect(text.hasPrefix("-----BEGIN PRIVATE KEY-----") || text.hasPrefix("-----BEGIN EC PRIVATE KEY-----"), "key first, as smtpd_tls_chain_files wants")
        #expect(try TLSEndpointProbe().settledFingerprint(try #require(certificate.targets.first?.verify), expecting: new) == new)
    }

    @Test("Hooks/dovecot: deploy to a real Dovecot is served on imap, imaps, pop3 and pop3s; a config error rolls back")
    func dovecotDeployAndRollback() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-dovecot-deploy", serversRead: true)
        let target = temp.path + "/tls/mail"
        let bootstrap = try await sets.plainFiles("bootstrap", names: ["mail.example.test"], in: target)
        let dovecot = try LocalDovecot.start(ssl: ["ssl = required", "ssl_cert = <\(target)/fullchain.pem", "ssl_key = <\(target)/privkey.pem",
                                                   "ssl_min_protocol = TLSv1.2"])
        defer { dovecot.stop() }
        let p = dovecot.ports
        let verify = ["127.0.0.1:\(p["imap"]!) starttls=imap", "127.0.0.1:\(p["imaps"]!) tls=imap",
                      "127.0.0.1:\(p["pop3"]!) starttls=pop3", "127.0.0.1:\(p["pop3s"]!) tls=pop3"]
        let state = temp.path + "/state"
        let yaml = DeployYAML.certificate("mail", domains: "mail.example.test", deploy: """
                  - { target: dovecot, dir: "\(target)", hook: "\(RepositoryHooks.path("dovecot"))",
                      env: \(DeployYAML.map(["CLM_DOVECOT_CONF": dovecot.config])), verify: \(DeployYAML.list(verify)) }
            """)
        let certificate = try loadCertificate(yaml, in: temp, named: "mail")
        let endpoints = try #require(certificate.targets.first).verifyEndpoints
        let probe = TLSEndpointProbe()
        try expectServed(bootstrap, at: endpoints, probe: probe)

        let deployer = Deployer(stateRoot: state)
        let (new, material) = try await sets.stored("new", names: ["mail.example.test"], name: "mail", stateRoot: state)
        let first = try #require(await deployer.deployOnThread([.init(certificate: certificate, material: material)]).first)
        #expect(first.succeeded, "\(first.error?.description ?? "") \(dovecot.log.suffix(2000))")
        #expect(first.notes.filter { $0.contains("serves the new certificate") }.count == 4, "\(first.notes)")
        try expectServed(new, at: endpoints, probe: probe)

        // A syntax error in a conf.d file: `doveconf -n` fails, the set goes back, the served certificate stays.
        try "service imap-login {\n".write(toFile: dovecot.directory + "/conf.d/99-broken.conf", atomically: true, encoding: .utf8)
        guard try await sets.deployNewerRefusedByCheck(certificate, deployer: deployer, state: state) else { return }
        #expect(try servedDirectorySet(target) == new)
        try expectServed(new, at: endpoints, probe: probe)
    }

    @Test("Verification fails when the new certificate is served but the session is refused after TLS")
    func verificationNeedsAWorkingSession() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-postfix-refuse", serversRead: true)
        let target = temp.path + "/tls/mail"
        let served = try await sets.plainFiles("bootstrap", names: ["mail.example.test"], in: target)
        let postfix = try LocalPostfix.start(tls: ["smtpd_tls_chain_files = \(target)/privkey.pem, \(target)/fullchain.pem"],
                                             listeners: [.init("submission", overrides: ["smtpd_tls_security_level=encrypt",
                                                                                        "smtpd_tls_ask_ccert=yes", "smtpd_tls_req_ccert=yes"])])
        defer { postfix.stop() }
        let endpoint = VerifyEndpoint(host: "127.0.0.1", port: postfix.ports["submission"]!, serverName: "mail.example.test", starttls: .smtp)
        let probe = TLSEndpointProbe()
        do {
            _ = try probe.servedFingerprint(endpoint)
            Issue.record("expected the session to be refused")
        } catch {
            guard case let .verifySessionRefused(_, command, reply) = error else { Issue.record("got \(error)"); return }
            #expect(command == "EHLO clm.invalid")
            #expect(reply.contains("421"), "\(reply)")
            #expect(error.description.contains("refuses the session"))
        }
        _ = served
    }

    @Test("clm scan --postfix records the mail site with its ports; clm adopt writes a postfix target that deploys and verifies both ports")
    func scanAdoptDeployThroughTheBinary() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-postfix-adopt", serversRead: true)
        let tls = temp.path + "/tls/mail"
        let served = try await sets.plainFiles("mail", names: ["mail.example.test"], in: tls)
        let postfix = try LocalPostfix.start(tls: ["smtpd_tls_chain_files = \(tls)/privkey.pem, \(tls)/fullchain.pem"],
                                             listeners: [.init("smtp"), .init("smtps", implicitTLS: true)])
        defer { postfix.stop() }
        let configPath = temp.path + "/clm.yaml"
        try "acme: { server: https://127.0.0.1:1/dir }\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let clm = try AdoptAndHooksCommandTests.Clm(state: temp.path + "/state")

        let scan = try await clm("scan", "--postfix", postfix.configDirectory, "--format", "json")
        #expect(scan.status == 0, "\(scan.stderrText)")
        let json = try #require(try AdoptAndHooksCommandTests.json(scan) as? [String: Any])
        let sites = try #require(json["sites"] as? [[String: Any]])
        let site = try #require(sites.first { $0["server"] as? String == "postfix" })
        let listeners = try #require(site["listeners"] as? [String])
        #expect(listeners.contains { $0.hasSuffix(" starttls=smtp") } && listeners.contains { $0.hasSuffix(" tls=smtp") }, "\(listeners)")

        let listed = try #require(try AdoptAndHooksCommandTests.json(try await clm("inventory", "list", "--format", "json")) as? [[String: Any]])
        let id = try #require(listed.first { $0["fingerprint_sha256"] as? String == served }?["id"] as? Int)
        let adopt = try await clm("adopt", "\(id)", "--webroot", "/var/www/acme", "--config", configPath)
        #expect(adopt.status == 0, "\(adopt.stdoutText)\(adopt.stderrText)")
        let loaded = try ConfigLoader().load(path: configPath)
        let certificate = try #require(loaded.certificates.first)
        let target = try #require(certificate.targets.first)
        #expect(target.label == "postfix" && target.kind == .directory(tls))
        #expect(target.reload == .command(check: ["postfix", "-c", postfix.configDirectory, "check"],
                                          reload: ["postfix", "-c", postfix.configDirectory, "reload"]))
        #expect(Set(target.verifyEndpoints.map(\.port)) == Set(postfix.ports.values))
        #expect(Set(target.verifyEndpoints.map(\.starttls)) == [.smtp, StartTLSProtocol.none])

        // The adopted entry deploys: a new set, reloaded with its check/reload, served on both ports.
        let state = temp.path + "/state"
        let new = try await sets.store("new", names: ["mail.example.test"], name: certificate.name, stateRoot: state)
        let material = try CertificateStore(stateRoot: state).material(name: certificate.name)
        let report = try #require(await Deployer(stateRoot: state).deployOnThread([.init(certificate: certificate, material: material)]).first)
        #expect(report.succeeded, "\(report.error?.description ?? "")")
        for endpoint in target.verifyEndpoints { #expect(try TLSEndpointProbe().settledFingerprint(endpoint, expecting: new) == new) }
    }

    @Test("clm adopt of a Postfix site writes a postfix target with the instance's check/reload and a verify entry per port")
    func adoptWritesMailTarget() {
        let site = SiteRecord(source: "postfix", configFile: "/srv/postfix/main.cf", configLine: 20, serverNames: [],
                              listen: ["127.0.0.1:2525 starttls=smtp", "*:2465 tls=smtp"], certificatePath: "/srv/tls/mail/fullchain.pem",
                              keyPath: "/srv/tls/mail/privkey.pem")
        let (yaml, warning) = Adopter.mailTarget(site, certificatePath: "/srv/tls/mail/fullchain.pem")
        #expect(warning == nil)
        #expect(yaml.contains("target: postfix"))
        #expect(yaml.contains("dir: \"/srv/tls/mail\""))
        #expect(yaml.contains("check: [postfix, -c, \"/srv/postfix\", check]"))
        #expect(yaml.contains("- \"127.0.0.1:2525 starttls=smtp\""))
        #expect(yaml.contains("- \"127.0.0.1:2465 tls=smtp\""))
        let dovecot = SiteRecord(source: "dovecot", configFile: "/srv/dovecot/conf.d/10-ssl.conf", configLine: 3, serverNames: [],
                                 listen: ["127.0.0.1:143 starttls=imap"], certificatePath: "/etc/ssl/mail.crt", keyPath: "/etc/ssl/private/mail.key")
        let (dovecotYAML, dovecotWarning) = Adopter.mailTarget(dovecot, certificatePath: "/etc/ssl/mail.crt")
        #expect(dovecotYAML.contains("reload: [doveadm, -c, \"/srv/dovecot/dovecot.conf\", reload]"), "\(dovecotYAML)")
        #expect(dovecotWarning?.contains("ssl_cert = </etc/ssl/fullchain.pem") == true, "\(dovecotWarning ?? "")")
    }
}
