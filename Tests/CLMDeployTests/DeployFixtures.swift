import Foundation
import Testing
import CLMCrypto
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// What the deploy suites add to CLMTestSupport's ``SetFactory``: the
/// material the deployer reads back, and the scenarios built on it.
extension SetFactory {
    /// ``store(_:names:name:stateRoot:)``, then the material the deployer reads back.
    func stored(_ label: String, names: [String], name: String, stateRoot: String) async throws -> (fingerprint: String, material: CertificateMaterial) {
        let fingerprint = try await store(label, names: names, name: name, stateRoot: stateRoot)
        return (fingerprint, try CertificateStore(stateRoot: stateRoot).material(name: name))
    }

    /// Stores a set "newer" for `certificate` and deploys it while the
    /// server's config is broken: the check must fail and the set go back.
    /// False (with the issue recorded) when the deploy did anything else.
    func deployNewerRefusedByCheck(_ certificate: ManagedCertificate, deployer: Deployer, state: String) async throws -> Bool {
        let (_, newer) = try await stored("newer", names: certificate.domains, name: certificate.name, stateRoot: state)
        let report = try #require(await deployer.deployOnThread([.init(certificate: certificate, material: newer)]).first)
        guard case .checkFailed = report.error else {
            Issue.record("expected a failed check, got \(String(describing: report.error))")
            return false
        }
        #expect(report.rolledBack)
        return true
    }

    /// The start of a directory-set test: plain files from "old" at
    /// TEMP/tls/www (as another tool left them), and a set "new" stored as
    /// "www" in TEMP/state.
    func overPlainFiles(in temp: TemporaryDirectory) async throws -> (target: String, old: String, state: String, new: String, material: CertificateMaterial) {
        let target = temp.path + "/tls/www", state = temp.path + "/state"
        let old = try await plainFiles("old", names: ["www.example.test"], in: target)
        let (new, material) = try await stored("new", names: ["www.example.test"], name: "www", stateRoot: state)
        return (target, old, state, new, material)
    }
}

/// The certificate `name` of a config written as TEMP/clm.yaml.
func loadCertificate(_ yaml: String, in temp: TemporaryDirectory, named name: String) throws -> ManagedCertificate {
    try #require(try ConfigLoader().load(yaml: yaml, file: temp.path + "/clm.yaml").certificate(named: name))
}

/// Every endpoint serves `fingerprint` once reloads have settled.
func expectServed(_ fingerprint: String, at endpoints: [VerifyEndpoint], probe: some EndpointProbing) throws {
    for endpoint in endpoints { #expect(try probe.settledFingerprint(endpoint, expecting: fingerprint) == fingerprint) }
}

func fingerprint(_ pem: String) throws -> String {
    guard let der = IssuedCertificate.derBlocks(fromPEM: pem).first else { throw Unexpected("no certificate in PEM") }
    return Digest.sha256Hex(der)
}

struct Unexpected: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The key/certificate pair a directory target serves now: the fingerprint,
/// after checking all four names agree and the key matches.
func servedDirectorySet(_ directory: String) throws -> String {
    let cert = try String(contentsOfFile: directory + "/cert.pem", encoding: .utf8)
    let fullchain = try String(contentsOfFile: directory + "/fullchain.pem", encoding: .utf8)
    let key = try PrivateKey(contentsOf: directory + "/privkey.pem")
    let leaf = try IssuedCertificate(der: try requireDERImpl(cert))
    guard try fingerprint(fullchain) == leaf.sha256Hex else { throw Unexpected("fullchain.pem and cert.pem differ in \(directory)") }
    guard try key.publicKeySHA256Hex() == leaf.spkiSHA256Hex else { throw Unexpected("privkey.pem does not match cert.pem in \(directory)") }
    _ = try String(contentsOfFile: directory + "/chain.pem", encoding: .utf8)
    return leaf.sha256Hex
}

/// The pair in a combined PEM (HAProxy): fingerprint after the key check.
func servedCombined(_ path: String) throws -> String {
    let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    let key = try PrivateKey(bytes: bytes, source: path)
    let leaf = try IssuedCertificate(der: try requireDERImpl(String(decoding: bytes, as: UTF8.self)))
    guard try key.publicKeySHA256Hex() == leaf.spkiSHA256Hex else { throw Unexpected("the key in \(path) does not match its certificate") }
    return leaf.sha256Hex
}

func requireDERImpl(_ pem: String) throws -> [UInt8] {
    guard let der = IssuedCertificate.derBlocks(fromPEM: pem).first else { throw Unexpected("no certificate in PEM") }
    return der
}

extension EndpointProbing {
    /// The fingerprint served once the reload has settled: nginx's old
    /// workers may still accept a connection or two right after a reload,
    /// so poll (bounded) until `expected` is served or time runs out. A
    /// refused or reset connection mid-reload is retried; the last error is
    /// thrown only when nothing was served by the deadline.
    func settledFingerprint(_ endpoint: VerifyEndpoint, expecting expected: String, within seconds: Double = 20) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var served: Result<String, any Error>
        while true {
            served = Result { try servedFingerprint(endpoint) }
            if case .success(expected) = served { return expected }
            guard Date() < deadline else { break }
            usleep(100_000)
        }
        return try served.get()
    }
}

/// The start of a config that orders from `pebble`: the acme section and
/// one certificate with the http-01 standalone responder on pebble's
/// challenge port (top level; the test's own lines follow).
func pebbleCertificateYAML(_ pebble: Pebble, _ name: String, domains: String) -> String {
    """
    acme: { server: \(pebble.directoryURL), ca_file: \(pebble.caFile), email: ops@example.test }
    certificates:
      - name: \(name)
        domains: [\(domains)]
        challenge: { type: http-01, standalone: { port: \(pebble.httpPort), address: 127.0.0.1 } }
    """
}

