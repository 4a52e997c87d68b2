public import Foundation

/// How to make one certificate with every field chosen (key type, subject,
/// digest, serial, raw extensions): for the parser tests, which compare
/// clm's reading with openssl's. Made by ``CertificateFactory/certificate(_:)``.
public struct CertificateRecipe: Sendable, CustomStringConvertible {
    public enum Key: Sendable {
        case rsa(Int), ec(String), ed25519, ed448

        /// The key spec ``CertificateFactory`` takes ("rsa:2048", "ec:P-384", "ed25519").
        var spec: String {
            switch self {
            case .rsa(let bits): "rsa:\(bits)"
            case .ec(let curve): "ec:\(curve)"
            case .ed25519: "ed25519"
            case .ed448: "ed448"
            }
        }
    }

    public var name: String
    public var key: Key
    /// Self-signed with `req -x509`; otherwise a CSR signed by a fresh EC P-256 CA with `x509 -req`.
    public var selfSigned: Bool
    public var subject: String
    public var days: Int
    /// "-sha1", "-md5", "-sha384"…
    public var digest: String?
    public var serial: String?
    /// Body of the `[v3]` extension section; nil signs without extensions (v1 for `x509 -req`).
    public var extensions: String?

    public init(name: String, key: Key, selfSigned: Bool = false, subject: String = "/CN=test.example", days: Int = 30,
                digest: String? = nil, serial: String? = nil, extensions: String? = nil) {
        self.name = name
        self.key = key
        self.selfSigned = selfSigned
        self.subject = subject
        self.days = days
        self.digest = digest
        self.serial = serial
        self.extensions = extensions
    }

    public var description: String { name }
}

/// A certificate made from a ``CertificateRecipe`` in its own temporary directory.
public struct GeneratedCertificate: Sendable {
    public let directory: TemporaryDirectory
    public let pem: URL
    public let der: [UInt8]

    public static func make(_ recipe: CertificateRecipe) async throws -> GeneratedCertificate {
        let directory = try TemporaryDirectory(prefix: "clm-x509")
        let made = try await CertificateFactory(directory: directory.url).certificate(recipe)
        return GeneratedCertificate(directory: directory, pem: made.pem, der: made.der)
    }
}

extension CertificateFactory {
    /// A certificate made from `recipe` in this directory: its PEM file and DER bytes.
    public func certificate(_ recipe: CertificateRecipe) async throws -> (pem: URL, der: [UInt8]) {
        var config = "[req]\ndistinguished_name = dn\n[dn]\n"
        if let extensions = recipe.extensions { config += "[v3]\n\(extensions)\n" }
        let configURL = file("openssl.cnf")
        try Data(config.utf8).write(to: configURL)
        let cert = file("cert.pem")
        let common = ["-config", configURL.path, "-utf8", "-multivalue-rdn", "-nodes", "-subj", recipe.subject] + Self.keyArguments(recipe.key.spec)
        if recipe.selfSigned {
            var arguments = ["req", "-x509", "-new"] + common
            arguments += ["-keyout", file("key.pem").path, "-out", cert.path, "-days", "\(recipe.days)"]
            if let digest = recipe.digest { arguments.append(digest) }
            if let serial = recipe.serial { arguments += ["-set_serial", serial] }
            if recipe.extensions != nil { arguments += ["-extensions", "v3"] }
            try await TestSupport.openssl(arguments)
        } else {
            try await TestSupport.openssl(["req", "-x509", "-new", "-nodes", "-config", configURL.path, "-subj", "/O=Test/CN=Test CA",
                                           "-addext", "subjectKeyIdentifier=hash", "-addext", "basicConstraints=critical,CA:TRUE",
                                           "-keyout", file("ca.key").path, "-out", file("ca.pem").path, "-days", "30"]
                                          + Self.keyArguments("ec"))
            try await TestSupport.openssl(["req", "-new"] + common + ["-keyout", file("key.pem").path, "-out", file("csr.pem").path])
            var arguments = ["x509", "-req", "-in", file("csr.pem").path, "-CA", file("ca.pem").path, "-CAkey", file("ca.key").path,
                             "-out", cert.path, "-days", "\(recipe.days)"]
            if let digest = recipe.digest { arguments.append(digest) }
            arguments += ["-set_serial", recipe.serial ?? "0x1234"]
            if recipe.extensions != nil { arguments += ["-extfile", configURL.path, "-extensions", "v3"] }
            try await TestSupport.openssl(arguments)
        }
        let der = try await self.der(of: cert, to: "cert.der")
        return (cert, Array(try Data(contentsOf: der)))
    }
}
