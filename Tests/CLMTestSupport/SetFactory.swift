internal import Foundation

/// Certificate sets (cert.pem, chain.pem, fullchain.pem, privkey.pem) from
/// one test CA: written where another tool would leave them, or where clm's
/// state dir keeps them (STATE/certificates/NAME). The deploy and lifecycle
/// suites' one set factory, over ``CertificateFactory``.
public struct SetFactory: Sendable {
    public let factory: CertificateFactory
    public let authority: CertificateFactory.Authority

    public static func make(_ directory: TemporaryDirectory) async throws -> SetFactory {
        let factory = CertificateFactory(directory: directory.url)
        return SetFactory(factory: factory, authority: try await factory.authority("ca"))
    }

    /// A temporary directory (readable by servers running as other users when
    /// `serversRead`) and a factory with its CA in it: the start of most deploy tests.
    public static func workspace(_ prefix: String, serversRead: Bool = false) async throws -> (TemporaryDirectory, SetFactory) {
        let temp = try TemporaryDirectory(prefix: prefix)
        if serversRead { chmod(temp.path, 0o755) }
        return (temp, try await make(temp))
    }

    /// A leaf for `names` written as STATE/certificates/NAME/{cert,chain,fullchain,privkey}.pem; returns its fingerprint.
    public func store(_ label: String, names: [String], name: String, stateRoot: String) async throws -> String {
        try await plainFiles(label, names: names, in: stateRoot + "/certificates/" + name)
    }

    /// A leaf written as plain files (as another tool would have left them)
    /// into `directory`; returns its SHA-256 fingerprint (lower-case hex).
    public func plainFiles(_ label: String, names: [String], in directory: String) async throws -> String {
        let leaf = try await factory.leaf(label, names: names, issuer: authority)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificate = try String(contentsOf: leaf.certificate, encoding: .utf8)
        let chain = try String(contentsOf: authority.certificate, encoding: .utf8)
        try certificate.write(toFile: directory + "/cert.pem", atomically: true, encoding: .utf8)
        try chain.write(toFile: directory + "/chain.pem", atomically: true, encoding: .utf8)
        try (certificate + chain).write(toFile: directory + "/fullchain.pem", atomically: true, encoding: .utf8)
        try Data(contentsOf: leaf.key).write(to: URL(fileURLWithPath: directory + "/privkey.pem"))
        return try await factory.fingerprint(of: leaf.certificate)
    }
}

/// An nginx config with one TLS server, `serverName` at `listen`, serving the set in `tls`.
public func writeNginxSite(_ path: String, listen: String, serverName: String, tls: String) throws {
    try """
        events {}
        http {
            server {
                listen \(listen) ssl;
                server_name \(serverName);
                ssl_certificate \(tls)/fullchain.pem;
                ssl_certificate_key \(tls)/privkey.pem;
            }
        }
        """.write(toFile: path, atomically: true, encoding: .utf8)
}
