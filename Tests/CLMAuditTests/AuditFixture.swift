import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation

/// An inventory built by scanning generated certificate files and recording
/// endpoint probes, arranged so that every audit rule fires exactly where
/// `expected` says. Built once per test run (openssl is slow) and opened
/// read-only by each test.
struct AuditFixture: Sendable {
    let temp: TemporaryDirectory
    let databasePath: String
    let tree: URL
    /// The audit time: a moment after the fixture was built.
    let now: Date

    static let shared = Task { try await AuditFixture.build() }

    /// Opened with `tree/store` standing in for the system trust store.
    func openInventory() throws -> Inventory {
        let inventory = try Inventory(path: databasePath)
        inventory.trustStoreDirectories = [tree.appendingPathComponent("store").path]
        return inventory
    }

    /// The policy the fixture is judged by: the default policy plus the two rules it leaves off.
    static let everyRulePolicy = """
        extends: builtin:default
        name: every-rule
        scopes:
          public:
            names: ["*.example.com"]
        rules:
          wildcard:
            scope: [public]
          issuer-not-allowed:
            issuers: ["good-ca", "inter"]
        """

    /// (code, severity, subject, location relative to the tree or endpoint ref) of every expected finding.
    static let expected: Set<[String]> = [
        ["CLM101", "critical", "expired.example.com", "expired.pem"],
        ["CLM102", "high", "soon.example.com", "soon.pem"],
        ["CLM102", "medium", "later.example.com", "later.pem"],
        ["CLM103", "high", "future.example.com", "future.pem"],
        ["CLM104", "high", "rsa1024.example.com", "rsa1024.pem"],
        ["CLM105", "high", "sha1.example.com", "sha1.pem"],
        ["CLM106", "medium", "long.example.com", "long.pem"],
        ["CLM107", "medium", "nosan.example.com", "nosan.pem"],
        ["CLM108", "medium", "*.wild.example.com", "wild.pem"],
        ["CLM109", "medium", "selfsigned.example.com", "selfsigned.pem"],
        ["CLM110", "high", "other.example.com", "other.pem"],
        ["CLM111", "high", "chain.example.com:443", "chain.example.com:443"],
        ["CLM111", "high", "order.example.com:443", "order.example.com:443"],
        ["CLM112", "high", "mismatch.example.com:443", "mismatch.example.com:443"],
        ["CLM113", "high", "legacy.example.com:443", "legacy.example.com:443"],
        ["CLM114", "low", "mtls.example.com:443", "mtls.example.com:443"],
        ["CLM115", "high", "soon.example.com", "keys/leaky.key"],
        ["CLM116", "medium", "reuse-a.example.com", "reuse-a.pem"],
        ["CLM117", "medium", "www.example.com", "www-old.pem"],
        ["CLM118", "low", "lost.example.com", "lost.pem"],
        ["CLM119", "low", "store-root", "store/store-root.pem"],
    ]

    /// A finding as a row comparable with `expected`.
    func row(code: String, severity: String, subject: String, location: String?) -> [String] {
        var place = location ?? ""
        for root in [tree.path + "/", lostTree.path + "/"] where place.hasPrefix(root) { place = String(place.dropFirst(root.count)) }
        return [code, severity, subject, place]
    }

    var lostTree: URL { temp.url.appendingPathComponent("lost-tree") }

    private static func build() async throws -> AuditFixture {
        let temp = try TemporaryDirectory(prefix: "clm-audit")
        let tree = temp.url.appendingPathComponent("tree"), workshop = temp.url.appendingPathComponent("workshop")
        let lostTree = temp.url.appendingPathComponent("lost-tree")
        for directory in [tree, workshop, lostTree, tree.appendingPathComponent("keys"), tree.appendingPathComponent("store")] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let factory = CertificateFactory(directory: workshop)
        func place(_ file: URL, _ name: String, in directory: URL = tree, mode: Int = 0o644) throws {
            let target = directory.appendingPathComponent(name)
            try FileManager.default.copyItem(at: file, to: target)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target.path)
        }
        let good = try await factory.authority("good-ca")
        let inter = try await factory.authority("inter", issuer: good)
        let other = try await factory.authority("other-ca")
        try place(good.certificate, "good-ca.pem")
        try place(inter.certificate, "inter.pem")
        // A system trust-store root close to its end: low, and apart from the rest.
        let storeRoot = try await factory.authority("store-root", days: 10)
        try place(storeRoot.certificate, "store-root.pem", in: tree.appendingPathComponent("store"))

        func leaf(_ host: String, file: String? = nil, names: [String]? = nil, issuer: CertificateFactory.Authority? = nil,
                  keySpec: String = "ec", days: Int = 90, digest: String = "sha256",
                  notBefore: String? = nil, notAfter: String? = nil) async throws -> CertificateFactory.Leaf {
            let made = try await factory.leaf(host, names: names ?? [host], issuer: issuer ?? good, keySpec: keySpec, days: days,
                                              digest: digest, notBefore: notBefore, notAfter: notAfter)
            try place(made.certificate, file ?? "\(host.split(separator: ".").first ?? "x").pem")
            return made
        }
        let ok = try await leaf("ok.example.com")
        try place(ok.key, "keys/ok.key", mode: 0o600)
        _ = try await leaf("expired.example.com", notBefore: "20200101000000Z", notAfter: "20201231000000Z")
        let soon = try await leaf("soon.example.com", days: 5)
        try place(soon.key, "keys/leaky.key", mode: 0o644)
        _ = try await leaf("later.example.com", days: 20)
        _ = try await leaf("future.example.com", notBefore: opensslDate(days: 10), notAfter: opensslDate(days: 100))
        _ = try await leaf("rsa1024.example.com", keySpec: "rsa:1024")
        _ = try await leaf("sha1.example.com", digest: "sha1")
        _ = try await leaf("long.example.com", days: 800)
        _ = try await leaf("nosan.example.com", names: [])
        _ = try await leaf("*.wild.example.com", file: "wild.pem")
        _ = try await leaf("other.example.com", issuer: other)
        let chain = try await leaf("chain.example.com", issuer: inter)
        let wwwOld = try await leaf("www.example.com", file: "www-old.pem", days: 60)
        _ = wwwOld
        let wwwNew = try await factory.leaf("www-new", names: ["www.example.com"], issuer: good, days: 90)
        try place(wwwNew.certificate, "www-new.pem")
        let reuseA = try await leaf("reuse-a.example.com")
        try await reuseKey(reuseA.key, host: "reuse-b.example.com", issuer: good, workshop: workshop, into: tree.appendingPathComponent("reuse-b.pem"))
        try await selfSigned("selfsigned.example.com", workshop: workshop, into: tree.appendingPathComponent("selfsigned.pem"))
        let lost = try await factory.leaf("lost", names: ["lost.example.com"], issuer: good, days: 90)
        try place(lost.certificate, "lost.pem", in: lostTree)

        let databasePath = temp.url.appendingPathComponent("inventory.sqlite").path
        let start = Date()
        do {
            let inventory = try Inventory(path: databasePath)
            // The lost tree was scanned 40 days ago and never since.
            _ = try FileScanner(inventory: inventory).scan(roots: [lostTree.path], now: start.addingTimeInterval(-40 * 86_400))
            _ = try FileScanner(inventory: inventory).scan(roots: [tree.path], now: start)
            let fingerprint = { (url: URL) async throws -> String in try await factory.fingerprint(of: url) }
            let okPrint = try await fingerprint(ok.certificate)
            let probes: [EndpointRecord] = [
                EndpointRecord(host: "www.example.com", port: 443, sni: "www.example.com", protocolVersion: "TLSv1.3",
                               clientCertificate: "notRequested", tlsVersions: ["TLSv1.2", "TLSv1.3"], verifyCode: 0,
                               hostnameMatches: true, chainFingerprints: [try await fingerprint(wwwNew.certificate)]),
                EndpointRecord(host: "chain.example.com", port: 443, sni: "chain.example.com", protocolVersion: "TLSv1.3",
                               clientCertificate: "notRequested", tlsVersions: ["TLSv1.2", "TLSv1.3"], verifyCode: 20,
                               verifyMessage: "unable to get local issuer certificate", hostnameMatches: true,
                               chainFingerprints: [try await fingerprint(chain.certificate)]),
                EndpointRecord(host: "order.example.com", port: 443, sni: "order.example.com", protocolVersion: "TLSv1.3",
                               clientCertificate: "notRequested", tlsVersions: ["TLSv1.3"], verifyCode: 0, hostnameMatches: true,
                               chainFingerprints: [try await fingerprint(inter.certificate), try await fingerprint(chain.certificate)]),
                EndpointRecord(host: "mismatch.example.com", port: 443, sni: "mismatch.example.com", protocolVersion: "TLSv1.3",
                               clientCertificate: "notRequested", tlsVersions: ["TLSv1.3"], verifyCode: 0, hostnameMatches: false,
                               chainFingerprints: [okPrint]),
                EndpointRecord(host: "legacy.example.com", port: 443, sni: "legacy.example.com", protocolVersion: "TLSv1.2",
                               clientCertificate: "notRequested", tlsVersions: ["TLSv1", "TLSv1.2"], verifyCode: 0, hostnameMatches: true,
                               chainFingerprints: [okPrint]),
                EndpointRecord(host: "mtls.example.com", port: 443, sni: "mtls.example.com", protocolVersion: "TLSv1.3",
                               clientCertificate: "required", tlsVersions: ["TLSv1.3"], verifyCode: 0, hostnameMatches: true,
                               chainFingerprints: [okPrint]),
                // Mutual TLS on 8443 is in the default policy's mtls scope: no finding.
                EndpointRecord(host: "ok.example.com", port: 8443, sni: "ok.example.com", protocolVersion: "TLSv1.3",
                               clientCertificate: "required", tlsVersions: ["TLSv1.3"], verifyCode: 0, hostnameMatches: true,
                               chainFingerprints: [okPrint]),
                // A failed probe is not judged.
                EndpointRecord(host: "down.example.com", port: 443, sni: "down.example.com", errorCode: "refused", error: "connection refused"),
            ]
            for probe in probes { try inventory.scans.recordEndpoint(probe, newCertificates: [], scanID: nil, now: start) }
        }
        return AuditFixture(temp: temp, databasePath: databasePath, tree: tree, now: start.addingTimeInterval(60))
    }

    /// An openssl date (YYYYMMDDHHMMSSZ) `days` from now.
    static func opensslDate(days: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        return formatter.string(from: Date().addingTimeInterval(Double(days) * 86_400))
    }

    /// A second certificate, for another host, on an existing key.
    static func reuseKey(_ key: URL, host: String, issuer: CertificateFactory.Authority, workshop: URL, into target: URL) async throws {
        let csr = workshop.appendingPathComponent("\(host).csr"), ext = workshop.appendingPathComponent("\(host).ext")
        try Data("[v3]\nsubjectAltName = DNS:\(host)\nbasicConstraints = critical, CA:FALSE\n".utf8).write(to: ext)
        try await TestSupport.openssl(["req", "-new", "-key", key.path, "-subj", "/CN=\(host)", "-out", csr.path])
        try await TestSupport.openssl(["x509", "-req", "-in", csr.path, "-CA", issuer.certificate.path, "-CAkey", issuer.key.path,
                                       "-CAcreateserial", "-days", "90", "-extfile", ext.path, "-extensions", "v3", "-out", target.path])
    }

    /// A self-signed leaf (CA:FALSE) for `host`.
    static func selfSigned(_ host: String, workshop: URL, into target: URL) async throws {
        try await TestSupport.openssl(["req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                       "-subj", "/CN=\(host)", "-addext", "subjectAltName=DNS:\(host)",
                                       "-addext", "basicConstraints=critical,CA:FALSE", "-days", "60",
                                       "-keyout", workshop.appendingPathComponent("\(host).key").path, "-out", target.path])
    }
}
