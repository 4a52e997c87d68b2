import Foundation
import CLMCrypto
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Certificate sets made with openssl, stored the way the request stage stores them.
struct SetFactory {
    let factory: CertificateFactory
    let authority: CertificateFactory.Authority

    static func make(_ directory: TemporaryDirectory) async throws -> SetFactory {
        let factory = CertificateFactory(directory: directory.url)
        return SetFactory(factory: factory, authority: try await factory.authority("ca"))
    }

    /// A leaf for `names` written as STATE/certificates/NAME/{cert,chain,fullchain,privkey}.pem; returns its fingerprint.
    func store(_ label: String, names: [String], name: String, stateRoot: String) async throws -> String {
        let leaf = try await factory.leaf(label, names: names, issuer: authority)
        let directory = stateRoot + "/certificates/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificate = try String(contentsOf: leaf.certificate, encoding: .utf8)
        let chain = try String(contentsOf: authority.certificate, encoding: .utf8)
        try certificate.write(toFile: directory + "/cert.pem", atomically: true, encoding: .utf8)
        try chain.write(toFile: directory + "/chain.pem", atomically: true, encoding: .utf8)
        try (certificate + chain).write(toFile: directory + "/fullchain.pem", atomically: true, encoding: .utf8)
        try Data(contentsOf: leaf.key).write(to: URL(fileURLWithPath: directory + "/privkey.pem"))
        return try fingerprint(certificate)
    }

    /// A leaf written as plain files (as another tool would have left them) into `directory`.
    func plainFiles(_ label: String, names: [String], in directory: String) async throws -> String {
        let leaf = try await factory.leaf(label, names: names, issuer: authority)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificate = try String(contentsOf: leaf.certificate, encoding: .utf8)
        let chain = try String(contentsOf: authority.certificate, encoding: .utf8)
        try certificate.write(toFile: directory + "/cert.pem", atomically: true, encoding: .utf8)
        try chain.write(toFile: directory + "/chain.pem", atomically: true, encoding: .utf8)
        try (certificate + chain).write(toFile: directory + "/fullchain.pem", atomically: true, encoding: .utf8)
        try Data(contentsOf: leaf.key).write(to: URL(fileURLWithPath: directory + "/privkey.pem"))
        return try fingerprint(certificate)
    }
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
    /// so poll (bounded) until `expected` is served or time runs out.
    func settledFingerprint(_ endpoint: VerifyEndpoint, expecting expected: String, within seconds: Double = 5) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var served = try servedFingerprint(endpoint)
        while served != expected && Date() < deadline {
            usleep(100_000)
            served = try servedFingerprint(endpoint)
        }
        return served
    }
}
