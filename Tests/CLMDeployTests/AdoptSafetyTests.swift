import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Review finding 11: `clm adopt` verifies at the site's listen address and keeps `--name` inside conf.d.
@Suite("clm adopt: verify address and name")
struct AdoptSafetyTests {
    @Test("verify uses the listen address unless it is a wildcard; `--name ../x` is refused and nothing is written outside conf.d")
    func verifyAddressAndNameAreSafe() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-adopt-safe")
        let tls = temp.path + "/tls/shop"
        let fingerprint = try await sets.plainFiles("shop", names: ["shop.example.test"], in: tls)
        let port = try TestSupport.freePort()
        let nginxConf = temp.path + "/nginx.conf"
        try writeNginxSite(nginxConf, listen: "127.0.0.2:\(port)", serverName: "shop.example.test", tls: tls)
        let configPath = temp.path + "/etc/clm.yaml"
        try FileManager.default.createDirectory(atPath: temp.path + "/etc", withIntermediateDirectories: true)
        try "acme: { server: https://127.0.0.1:1/dir }\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let clm = try AdoptAndHooksCommandTests.Clm(state: temp.path + "/state")
        #expect(try await clm("scan", "--nginx", nginxConf, "--format", "json").status == 0)
        let listed = try #require(try AdoptAndHooksCommandTests.json(try await clm("inventory", "list", "--format", "json")) as? [[String: Any]])
        let id = try #require(listed.first { $0["fingerprint_sha256"] as? String == fingerprint }?["id"] as? Int)

        let escape = try await clm("adopt", "\(id)", "--webroot", "/var/www/acme", "--name", "../escape", "--config", configPath)
        #expect(escape.status != 0)
        #expect(escape.stderrText.contains("not usable as a file name"), "\(escape.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: temp.path + "/etc/escape.yaml"))

        let adopt = try await clm("adopt", "\(id)", "--webroot", "/var/www/acme", "--name", "shop", "--config", configPath)
        #expect(adopt.status == 0, "\(adopt.stdoutText)\(adopt.stderrText)")
        let text = try String(contentsOfFile: temp.path + "/etc/conf.d/shop.yaml", encoding: .utf8)
        #expect(text.contains("verify: \"127.0.0.2:\(port)\""), "\(text)")
        #expect(Adopter.verifyEndpoint("*:443") == "127.0.0.1:443")
        #expect(Adopter.verifyEndpoint("[::]:8443") == "127.0.0.1:8443")
        #expect(Adopter.verifyEndpoint("443") == "127.0.0.1:443")
    }
}
