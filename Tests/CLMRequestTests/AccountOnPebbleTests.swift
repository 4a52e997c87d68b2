import Foundation
import Testing
import CLMCrypto
import CLMHTTP
import CLMTestSupport
@testable import CLMRequest

@Suite("Accounts, revocation and failures on a real pebble")
struct AccountOnPebbleTests {
    static let eabKeyID = "kid-1"
    static let eabKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"

    @Test("with EAB required, registration without binding is refused and with binding succeeds and issues")
    func externalAccountBinding() async throws {
        var options = Pebble.Options()
        options.eabKeys = [Self.eabKeyID: Self.eabKey]
        let fixture = try await PebbleFixture.start(options, register: false)
        defer { fixture.stop() }
        #expect(fixture.client.directory.meta?.externalAccountRequired == true)
        let manager = AccountManager(client: fixture.client, state: fixture.state, recorder: fixture.recorder)
        do {
            _ = try await manager.register(contact: ["mailto:ops@example.test"])
            Issue.record("registration without EAB should fail")
        } catch {
            #expect(error.acmeError?.problem?.shortType == "externalAccountRequired")
        }
        let eab = try #require(ExternalAccountBinding(keyID: Self.eabKeyID, macKeyBase64: Self.eabKey))
        let (account, created) = try await manager.register(contact: ["mailto:ops@example.test"], externalAccountBinding: eab)
        #expect(created)
        _ = try await fixture.issuer(fixture.standalone, account: account).obtain(CertificateRequest(name: "eab", identifiers: [.dns("eab.example.test")]))
        let again = try await manager.register(contact: ["mailto:ops@example.test"], externalAccountBinding: eab)
        #expect(!again.created)
        #expect(again.credentials.url == account.url)
    }

    @Test("RSA account keys sign with RS256 and can issue")
    func rsaAccountKey() async throws {
        let fixture = try await PebbleFixture.start(register: false)
        defer { fixture.stop() }
        let (account, _) = try await AccountManager(client: fixture.client, state: fixture.state)
            .register(contact: [], keyType: .rsa2048)
        #expect(account.key.signatureAlgorithm == .rs256)
        _ = try await fixture.issuer(fixture.standalone, account: account).obtain(CertificateRequest(name: "rs", identifiers: [.dns("rs.example.test")]))
    }

    @Test("a certificate is revoked with a reason, and revoking it again names the problem")
    func revoke() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let issued = try await fixture.issuer(fixture.standalone).obtain(CertificateRequest(name: "rv", identifiers: [.dns("rv.example.test")]))
        try await fixture.client.revoke(certificateDER: issued.certificate.der, reason: .keyCompromise, account: fixture.account)
        do {
            try await fixture.client.revoke(certificateDER: issued.certificate.der, reason: .keyCompromise, account: nil, certificateKey: issued.key)
            Issue.record("second revocation should fail")
        } catch {
            #expect(error.problem?.shortType == "alreadyRevoked")
            #expect(error.description.contains("alreadyRevoked"))
        }
    }

    @Test("key rollover: the new key works, the old key no longer finds the account; deactivation ends it")
    func rolloverAndDeactivate() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let manager = AccountManager(client: fixture.client, state: fixture.state, recorder: fixture.recorder)
        let old = fixture.account
        let new = try await manager.rollover()
        #expect(new.url == old.url)
        #expect(try new.key.jwk().thumbprint != old.key.jwk().thumbprint)
        #expect(try manager.load().key.jwk().thumbprint == new.key.jwk().thumbprint)
        do {
            _ = try await fixture.client.existingAccount(key: old.key)
            Issue.record("old key should not find the account")
        } catch {
            #expect(error.problem?.shortType == "accountDoesNotExist")
        }
        _ = try await fixture.issuer(fixture.standalone, account: new).obtain(CertificateRequest(name: "ro", identifiers: [.dns("ro.example.test")]))
        try await manager.deactivate()
        do {
            _ = try await fixture.client.newOrder(new, identifiers: [.dns("after.example.test")])
            Issue.record("a deactivated account should not order")
        } catch {
            #expect(error.problem?.shortType == "unauthorized")
        }
        #expect(throws: IssuanceError.self) { try manager.load() }
    }

    @Test("a dns hook that publishes the wrong value fails clearly and cleans up")
    func wrongDNSValueFails() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let directory = try TestSupport.temporaryDirectory("clm-hook")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hook = directory + "/wrong-hook"
        let trace = directory + "/trace"
        let script = """
        #!/bin/sh
        echo "$1 $3" >> \(trace)
        if [ "$1" = present ]; then set -- present "$2" "$3" "wrong-value"; fi
        exec \(PebbleFixture.hooksDirectory)/dns-pebble-challtestsrv "$@"
        """
        try script.write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let solver = DNSHookSolver(hook: hook, extraEnvironment: ["CLM_CHALLTESTSRV": fixture.pebble.challengeManagementURL])
        do {
            _ = try await fixture.issuer(solver).obtain(CertificateRequest(name: "bad-dns", identifiers: [.dns("bad.example.test")]))
            Issue.record("validation should fail")
        } catch {
            guard case .acme(_, .authorizationFailed(let identifier, let challenge, let problem)) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(identifier == .dns("bad.example.test"))
            #expect(challenge == "dns-01")
            #expect(problem?.shortType == "unauthorized")
            #expect(error.description.contains("bad.example.test"))
        }
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        #expect(lines == ["present _acme-challenge.bad.example.test.", "cleanup _acme-challenge.bad.example.test."])
        #expect(!FileManager.default.fileExists(atPath: fixture.state.certificateDirectory("bad-dns") + "/pending.key"))
        #expect(await fixture.recorder.orders.values.allSatisfy { $0.state == .invalid })
    }

    @Test("a webroot nobody serves fails with the CA's connection problem and leaves the webroot empty")
    func unservedWebrootFails() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let webroot = try TestSupport.temporaryDirectory("clm-webroot")
        defer { try? FileManager.default.removeItem(atPath: webroot) }
        do {
            _ = try await fixture.issuer(WebrootSolver(webroot: webroot)).obtain(CertificateRequest(name: "bad-web", identifiers: [.dns("nobody.example.test")]))
            Issue.record("validation should fail")
        } catch {
            #expect(error.acmeError?.problem?.shortType == "connection")
            #expect(error.description.contains("nobody.example.test"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: webroot).isEmpty)
    }

    @Test("a standalone solver on a port already taken says so")
    func standalonePortTaken() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let blocker = try ChallengeHTTPServer(address: "127.0.0.1", port: fixture.pebble.httpPort) { _ in nil }
        defer { blocker.stop() }
        do {
            _ = try await fixture.issuer(fixture.standalone).obtain(CertificateRequest(name: "taken", identifiers: [.dns("taken.example.test")]))
            Issue.record("should fail")
        } catch {
            #expect(error.description.contains("address already in use") || error.description.contains("Address already in use"))
        }
    }
}
