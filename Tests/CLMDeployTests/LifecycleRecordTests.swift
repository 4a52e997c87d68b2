import Foundation
import Testing
import CLMTestSupport
import CLMCrypto
import CLMInventory
@testable import CLMDeploy
@testable import CLMLifecycle

/// What `clm renew`, `clm adopt` and `clm deploy` record through ``CertificateStore``:
/// the inventory, metrics and deploy records show what is live without another scan.
@Suite("Certificate store: records follow each renew and deploy", .serialized)
struct LifecycleRecordTests {
    typealias Clm = AdoptAndHooksCommandTests.Clm

    /// Files where the inventory holds `fingerprint` now (`clm inventory show --format json`).
    static func presentFiles(_ fingerprint: String, _ clm: Clm) async throws -> Set<String> {
        let show = try await clm("inventory", "show", fingerprint, "--format", "json")
        guard show.status == 0 else { return [] }
        let row = try #require(try AdoptAndHooksCommandTests.json(show) as? [String: Any])
        let locations = try #require(row["locations"] as? [[String: Any]])
        return Set(locations.filter { $0["kind"] as? String == "file" && $0["gone_since"] == nil }.compactMap { $0["ref"] as? String })
    }

    /// The serial_number labels of `clm metrics`' series for the file `path`.
    static func metricSerials(_ path: String, _ clm: Clm) async throws -> Set<String> {
        let metrics = try await clm("metrics")
        #expect(metrics.status == 0, "\(metrics.stderrText)")
        let lines = metrics.stdoutText.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("filepath=\"\(path)\"") }
        return Set(lines.compactMap { line in
            line.range(of: "serial_number=\"").map { start in String(line[start.upperBound...].prefix { $0 != "\"" }) }
        })
    }

    /// Runs clm and returns how often it opened the inventory (`CLM_DEBUG_INVENTORY_OPENS`).
    static func countingOpens(_ clm: Clm, _ arguments: String...) async throws -> (result: CommandResult, opens: Int) {
        let directory = try TemporaryDirectory(prefix: "clm-opens")
        let counter = directory.path + "/opens"
        _ = FileManager.default.createFile(atPath: counter, contents: nil)
        defer { withExtendedLifetime(directory) {} }
        var environment = clm.environment
        environment["CLM_DEBUG_INVENTORY_OPENS"] = counter
        let result = try await TestSupport.run(clm.binary, arguments, aptPackage: "none", environment: environment)
        return (result, try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count)
    }

    /// A hex serial in decimal, as the metrics write it.
    static func decimal(hex: String) -> String {
        var digits: [Int] = [0]   // little-endian base 10
        for nibble in hex.compactMap({ $0.hexDigitValue }) {
            var carry = nibble
            for index in digits.indices {
                let value = digits[index] * 16 + carry
                digits[index] = value % 10
                carry = value / 10
            }
            while carry > 0 { digits.append(carry % 10); carry /= 10 }
        }
        return String(digits.reversed().map { Character(String($0)) })
    }

    static func serial(in directory: String) throws -> String {
        try IssuedCertificate(der: try requireDERImpl(try String(contentsOfFile: directory + "/cert.pem", encoding: .utf8))).serialHex
    }

    /// pebble, and a private nginx serving a certificate clm does not manage yet from TEMP/tls/www.
    struct Stage {
        let pebble: Pebble
        let temp: TemporaryDirectory
        let tls: String
        let served: String
        let nginx: LocalNginx
        var configPath: String { temp.path + "/clm.yaml" }

        static func start() async throws -> Stage {
            let pebble = try await Pebble.start()
            do {
                let temp = try TemporaryDirectory(prefix: "clm-lifecycle")
                let tls = temp.path + "/tls/www"
                let served = try await SetFactory.make(temp).plainFiles("www", names: ["www.example.test"], in: tls)
                return Stage(pebble: pebble, temp: temp, tls: tls, served: served, nginx: try LocalNginx.start(certificateDirectory: tls))
            } catch {
                pebble.stop()
                throw error
            }
        }

        func stop() {
            nginx.stop()
            pebble.stop()
        }
    }

    @Test("right after `clm renew` deploys, the inventory shows the new certificate at the deployed paths and metrics its serial; so after `renew --force`")
    func renewUpdatesInventoryAndMetrics() async throws {
        let stage = try await Stage.start()
        defer { stage.stop() }
        let (temp, target, bootstrap, nginx, configPath) = (stage.temp, stage.tls, stage.served, stage.nginx, stage.configPath)
        try NginxPebbleTests().config(pebble: stage.pebble, nginx: nginx, target: target).write(toFile: configPath, atomically: true, encoding: .utf8)
        let clm = try Clm(state: temp.path + "/state")
        let bootstrapSerial = Self.decimal(hex: try Self.serial(in: target))

        // The inventory knows the certificate in service before clm manages it.
        let scan = try await clm("scan", temp.path + "/tls")
        #expect(scan.status == 0, "\(scan.stderrText)")
        #expect(try await Self.presentFiles(bootstrap, clm).contains(target + "/fullchain.pem"))

        let renew = try await clm("renew", "--config", configPath)
        #expect(renew.status == 0, "\(renew.stdoutText)\(renew.stderrText)")
        let issued = try servedDirectorySet(target)
        #expect(issued != bootstrap)
        let stateFiles = temp.path + "/state/certificates/www"
        #expect(try await Self.presentFiles(issued, clm).isSuperset(of: [target + "/fullchain.pem", target + "/cert.pem", stateFiles + "/cert.pem"]))
        #expect(try await !Self.presentFiles(bootstrap, clm).contains(target + "/fullchain.pem"))
        #expect(try await Self.metricSerials(target + "/cert.pem", clm) == [Self.decimal(hex: try Self.serial(in: target))])
        // Its key files too (the deployed privkey.pem and the state dir's), 0600, paired by public key.
        let shown = try #require(try AdoptAndHooksCommandTests.json(try await clm("inventory", "show", issued, "--format", "json")) as? [String: Any])
        let keys = try #require(shown["private_keys"] as? [[String: Any]], "\(shown.keys.sorted())")
        #expect(Set(keys.compactMap { $0["path"] as? String }).isSuperset(of: [target + "/privkey.pem", stateFiles + "/privkey.pem"]), "\(keys)")
        #expect(keys.allSatisfy { $0["mode"] as? String == "0600" }, "\(keys)")
        // fullchain.pem: the new leaf and its chain; nothing of the bootstrap set (leaf or CA) is left there.
        let fullchain = try await Self.metricSerials(target + "/fullchain.pem", clm)
        #expect(fullchain.contains(Self.decimal(hex: try Self.serial(in: target))) && !fullchain.contains(bootstrapSerial))
        #expect(fullchain.count == 1 + (try String(contentsOfFile: target + "/chain.pem", encoding: .utf8)).components(separatedBy: "BEGIN CERTIFICATE").count - 1)
        // The HTML report: the new certificate's row names the deployed file; the old one's does not.
        let html = temp.path + "/report.html"
        #expect(try await clm("report", "--html", html).status == 0)
        let rows = try String(contentsOfFile: html, encoding: .utf8).split(separator: "\n")
        #expect(rows.first { $0.contains("title=\"\(issued)\"") }?.contains("file: \(target)/fullchain.pem") == true)
        #expect(rows.first { $0.contains("title=\"\(bootstrap)\"") }?.contains("file: \(target)/fullchain.pem") != true)

        // One connection for the whole run: plan, ACME records, issuance, deploy records, outcomes.
        let (forced, opens) = try await Self.countingOpens(clm, "renew", "--force", "--config", configPath)
        #expect(forced.status == 0, "\(forced.stdoutText)\(forced.stderrText)")
        #expect(opens == 1)
        let latest = try servedDirectorySet(target)
        #expect(latest != issued)
        #expect(try await Self.presentFiles(latest, clm).contains(target + "/fullchain.pem"))
        #expect(try await !Self.presentFiles(issued, clm).contains(target + "/fullchain.pem"))
        #expect(try await Self.metricSerials(target + "/cert.pem", clm) == [Self.decimal(hex: try Self.serial(in: target))])
    }

    @Test("adopt of a site found through `scan --nginx FILE` checks and reloads FILE; `hooks test` tests it; `clm deploy` and `renew --force` leave deploy records")
    func adoptCustomNginxThenDeployAndRenew() async throws {
        let stage = try await Stage.start()
        defer { stage.stop() }
        let (temp, tls, adopted, nginx, configPath, pebble) = (stage.temp, stage.tls, stage.served, stage.nginx, stage.configPath, stage.pebble)
        try "acme: { server: \(pebble.directoryURL), ca_file: \(pebble.caFile), email: ops@example.test }\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let state = temp.path + "/state"
        let clm = try Clm(state: state)

        #expect(try await clm("scan", "--nginx", nginx.config).status == 0)
        let adopt = try await clm("adopt", adopted, "--standalone-port", "\(pebble.httpPort)", "--config", configPath)
        #expect(adopt.status == 0, "\(adopt.stdoutText)\(adopt.stderrText)")
        let entry = try String(contentsOfFile: temp.path + "/conf.d/www.example.test.yaml", encoding: .utf8)
        #expect(entry.contains("check: [\"nginx\", \"-c\", \"\(nginx.config)\", \"-t\"]"), "\(entry)")
        #expect(entry.contains("reload: [\"nginx\", \"-c\", \"\(nginx.config)\", \"-s\", \"reload\"]"), "\(entry)")

        // `hooks test` tests the config the site came from: a broken one fails it.
        let good = try String(contentsOfFile: nginx.config, encoding: .utf8)
        let passing = try await clm("hooks", "test", "www.example.test", "--config", configPath)
        #expect(passing.status == 0, "\(passing.stdoutText)\(passing.stderrText)")
        try good.replacingOccurrences(of: "access_log off;", with: "access_log off; not_a_directive;")
            .write(toFile: nginx.config, atomically: true, encoding: .utf8)
        let failing = try await clm("hooks", "test", "www.example.test", "--config", configPath)
        #expect(failing.status != 0, "\(failing.stdoutText)")
        try good.write(toFile: nginx.config, atomically: true, encoding: .utf8)

        // Deploying the adopted certificate records it, though no issuance made a managed row.
        let (deploy, opens) = try await Self.countingOpens(clm, "deploy", "www.example.test", "--config", configPath)
        #expect(deploy.status == 0, "\(deploy.stdoutText)\(deploy.stderrText)")
        #expect(opens == 1)
        let inventory = try Inventory(path: state + "/inventory.sqlite")
        #expect(try inventory.deploys.managedCertificates()["www.example.test"]?.deployedFingerprint == adopted)
        #expect(try inventory.deploys.deployRuns(certificateName: "www.example.test").first?.outcome == "ok")

        let renew = try await clm("renew", "--force", "--config", configPath)
        #expect(renew.status == 0, "\(renew.stdoutText)\(renew.stderrText)")
        let issued = try servedDirectorySet(tls)
        #expect(issued != adopted)
        #expect(try inventory.deploys.managedCertificates()["www.example.test"]?.deployedFingerprint == issued)
        #expect(try await Self.presentFiles(issued, clm).contains(tls + "/fullchain.pem"))
        let probe = TLSEndpointProbe()
        let endpoint = VerifyEndpoint(host: "127.0.0.1", port: nginx.port, serverName: "www.example.test")
        #expect(try probe.settledFingerprint(endpoint, expecting: issued) == issued)
    }
}

@Suite("Adopted targets name the config their site came from")
struct AdoptedTargetCommandTests {
    func site(_ source: String, main: String?) -> SiteRecord {
        SiteRecord(source: source, configFile: "/srv/conf.d/site.conf", configLine: 3, serverNames: [], listen: ["443"],
                   certificatePath: "/srv/tls/www/fullchain.pem", keyPath: nil, mainConfig: main)
    }

    @Test("a custom nginx or HAProxy main config becomes the target's check (and nginx's reload); the defaults stay implicit")
    func commandsFollowTheMainConfig() {
        #expect(Adopter.commands(site("nginx", main: "/srv/nginx.conf"))
                == "\n        check: [\"nginx\", \"-c\", \"/srv/nginx.conf\", \"-t\"]\n        reload: [\"nginx\", \"-c\", \"/srv/nginx.conf\", \"-s\", \"reload\"]")
        #expect(Adopter.commands(site("haproxy", main: "/srv/haproxy.cfg")) == "\n        check: [\"haproxy\", \"-c\", \"-f\", \"/srv/haproxy.cfg\"]")
        #expect(Adopter.commands(site("nginx", main: "/etc/nginx/nginx.conf")) == "")
        #expect(Adopter.commands(site("haproxy", main: "/etc/haproxy/haproxy.cfg")) == "")
        #expect(Adopter.commands(site("nginx", main: nil)) == "")
    }
}
