import Foundation
import Testing
import CLMTestSupport
import CLMCrypto
@testable import CLMDeploy

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

    @Test("right after `clm renew` deploys, the inventory shows the new certificate at the deployed paths and metrics its serial; so after `renew --force`")
    func renewUpdatesInventoryAndMetrics() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        let temp = try TemporaryDirectory(prefix: "clm-lifecycle")
        let sets = try await SetFactory.make(temp)
        let target = temp.path + "/tls/www"
        let bootstrap = try await sets.plainFiles("bootstrap", names: ["www.example.test"], in: target)
        let nginx = try LocalNginx.start(certificateDirectory: target)
        defer { nginx.stop() }
        let configPath = temp.path + "/clm.yaml"
        try NginxPebbleTests().config(pebble: pebble, nginx: nginx, target: target).write(toFile: configPath, atomically: true, encoding: .utf8)
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
        // fullchain.pem: the new leaf and its chain; nothing of the bootstrap set (leaf or CA) is left there.
        let fullchain = try await Self.metricSerials(target + "/fullchain.pem", clm)
        #expect(fullchain.contains(Self.decimal(hex: try Self.serial(in: target))) && !fullchain.contains(bootstrapSerial))
        #expect(fullchain.count == 1 + (try String(contentsOfFile: target + "/chain.pem", encoding: .utf8)).components(separatedBy: "BEGIN CERTIFICATE").count - 1)

        let forced = try await clm("renew", "--force", "--config", configPath)
        #expect(forced.status == 0, "\(forced.stdoutText)\(forced.stderrText)")
        let latest = try servedDirectorySet(target)
        #expect(latest != issued)
        #expect(try await Self.presentFiles(latest, clm).contains(target + "/fullchain.pem"))
        #expect(try await !Self.presentFiles(issued, clm).contains(target + "/fullchain.pem"))
        #expect(try await Self.metricSerials(target + "/cert.pem", clm) == [Self.decimal(hex: try Self.serial(in: target))])
    }
}
