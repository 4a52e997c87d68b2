import Foundation
import CLMTestSupport

/// How to make one test certificate with the openssl CLI.
struct CertificateRecipe: Sendable, CustomStringConvertible {
    enum Key: Sendable {
        case rsa(Int), ec(String), ed25519, ed448

        var arguments: [String] {
            switch self {
            case .rsa(let bits): ["-newkey", "rsa:\(bits)"]
            case .ec(let curve): ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:\(curve)"]
            case .ed25519: ["-newkey", "ed25519"]
            case .ed448: ["-newkey", "ed448"]
            }
        }
    }

    var name: String
    var key: Key
    /// Self-signed with `req -x509`; otherwise a CSR signed by a fresh EC P-256 CA with `x509 -req`.
    var selfSigned = false
    var subject = "/CN=test.example"
    var days = 30
    /// "-sha1", "-md5", "-sha384"…
    var digest: String?
    var serial: String?
    /// Body of the `[v3]` extension section; nil signs without extensions (v1 for `x509 -req`).
    var extensions: String?

    var description: String { name }
}

/// A certificate made by openssl in its own temporary directory.
struct GeneratedCertificate {
    let directory: TemporaryDirectory
    let pem: URL
    let der: [UInt8]

    static func make(_ recipe: CertificateRecipe) async throws -> GeneratedCertificate {
        let directory = try TemporaryDirectory(prefix: "clm-x509")
        var config = "[req]\ndistinguished_name = dn\n[dn]\n"
        if let extensions = recipe.extensions { config += "[v3]\n\(extensions)\n" }
        let configURL = try directory.write("openssl.cnf", config)
        let cert = directory.file("cert.pem")
        var common = ["-config", configURL.path, "-utf8", "-multivalue-rdn", "-nodes", "-subj", recipe.subject]
        common += recipe.key.arguments
        if recipe.selfSigned {
            var arguments = ["req", "-x509", "-new"] + common
            arguments += ["-keyout", directory.file("key.pem").path, "-out", cert.path, "-days", "\(recipe.days)"]
            if let digest = recipe.digest { arguments.append(digest) }
            if let serial = recipe.serial { arguments += ["-set_serial", serial] }
            if recipe.extensions != nil { arguments += ["-extensions", "v3"] }
            try await TestSupport.openssl(arguments)
        } else {
            try await TestSupport.openssl(["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                           "-nodes", "-config", configURL.path, "-subj", "/O=Test/CN=Test CA",
                                           "-addext", "subjectKeyIdentifier=hash", "-addext", "basicConstraints=critical,CA:TRUE",
                                           "-keyout", directory.file("ca.key").path, "-out", directory.file("ca.pem").path,
                                           "-days", "30"])
            try await TestSupport.openssl(["req", "-new"] + common + ["-keyout", directory.file("key.pem").path,
                                                                      "-out", directory.file("csr.pem").path])
            var arguments = ["x509", "-req", "-in", directory.file("csr.pem").path,
                             "-CA", directory.file("ca.pem").path, "-CAkey", directory.file("ca.key").path,
                             "-out", cert.path, "-days", "\(recipe.days)"]
            if let digest = recipe.digest { arguments.append(digest) }
            arguments += ["-set_serial", recipe.serial ?? "0x1234"]
            if recipe.extensions != nil { arguments += ["-extfile", configURL.path, "-extensions", "v3"] }
            try await TestSupport.openssl(arguments)
        }
        let derURL = directory.file("cert.der")
        try await TestSupport.openssl(["x509", "-in", cert.path, "-outform", "DER", "-out", derURL.path])
        return GeneratedCertificate(directory: directory, pem: cert, der: Array(try Data(contentsOf: derURL)))
    }
}

/// What `openssl x509 -text` and friends say about a certificate, split into fields.
struct OpenSSLView {
    let text: String
    let lines: [String]

    static let nameOptions = "sep_comma_plus_space,esc_2253,esc_ctrl,utf8,sname"

    init(_ certificate: GeneratedCertificate) async throws {
        try await self.init(pem: certificate.pem)
    }

    init(pem: URL) async throws {
        text = try await TestSupport.openssl(["x509", "-in", pem.path, "-noout", "-text",
                                              "-fingerprint", "-sha256", "-serial", "-startdate", "-enddate",
                                              "-dateopt", "iso_8601", "-subject", "-issuer", "-nameopt", Self.nameOptions])
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The rest of the first unindented line starting with `prefix` ("serial=").
    func topLevel(_ prefix: String) -> String? {
        lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The rest of the first line whose trimmed text starts with `prefix`.
    func field(_ prefix: String) -> String? {
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(prefix) { return String(trimmed.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The value lines under an extension header ("X509v3 Subject Alternative Name"), joined by ", ".
    func extensionValue(_ header: String) -> String? {
        guard let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(header) }) else { return nil }
        let indent = lines[index].prefix { $0 == " " }.count
        var values: [String] = []
        for line in lines[(index + 1)...] {
            guard line.prefix(while: { $0 == " " }).count > indent else { break }
            values.append(line.trimmingCharacters(in: .whitespaces))
        }
        return values.joined(separator: ", ")
    }
}
