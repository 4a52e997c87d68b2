public import Foundation

/// Makes certificates, keys and bundles with the openssl CLI inside a
/// temporary directory, for tests. Nothing it makes is ever committed.
public struct CertificateFactory: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// A certificate authority (self-signed, EC P-256 unless given a key spec).
    public struct Authority: Sendable {
        public let certificate: URL
        public let key: URL
    }

    /// A leaf certificate with its key.
    public struct Leaf: Sendable {
        public let certificate: URL
        public let key: URL
    }

    private func path(_ name: String) -> URL { directory.appendingPathComponent(name) }
    func file(_ name: String) -> URL { path(name) }

    /// `openssl req -newkey` arguments for a key spec: "ec", "ec:P-384", "rsa:2048", "ed25519".
    static func keyArguments(_ spec: String) -> [String] {
        if spec == "ec" { return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] }
        if spec.hasPrefix("ec:") { return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:\(spec.dropFirst(3))"] }
        return ["-newkey", spec]
    }

    public func authority(_ name: String, commonName: String? = nil, keySpec: String = "ec", days: Int = 3650,
                          issuer: Authority? = nil) async throws -> Authority {
        let key = path("\(name).key"), certificate = path("\(name).pem")
        let config = try writeConfig(name: "\(name)-ca.cnf", extensions: """
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            \(issuer == nil ? "" : "authorityKeyIdentifier = keyid")
            """)
        let subject = "/O=clm tests/CN=\(commonName ?? name)"
        if let issuer {
            let csr = path("\(name).csr")
            try await TestSupport.openssl(["req", "-new", "-nodes", "-subj", subject, "-keyout", key.path, "-out", csr.path]
                                          + Self.keyArguments(keySpec))
            try await TestSupport.openssl(["x509", "-req", "-in", csr.path, "-CA", issuer.certificate.path, "-CAkey", issuer.key.path,
                                           "-CAcreateserial", "-days", "\(days)", "-extfile", config.path, "-extensions", "v3",
                                           "-out", certificate.path])
        } else {
            try await TestSupport.openssl(["req", "-x509", "-new", "-nodes", "-subj", subject, "-days", "\(days)", "-config", config.path,
                                           "-extensions", "v3", "-keyout", key.path, "-out", certificate.path] + Self.keyArguments(keySpec))
        }
        return Authority(certificate: certificate, key: key)
    }

    /// A leaf for `names` (DNS names, or IP addresses), signed by `issuer`.
    /// `notBefore`/`notAfter` as openssl dates (YYYYMMDDHHMMSSZ) allow expired or future certificates.
    public func leaf(_ name: String, names: [String], issuer: Authority, keySpec: String = "ec", days: Int = 90,
                     digest: String = "sha256", notBefore: String? = nil, notAfter: String? = nil) async throws -> Leaf {
        let key = path("\(name).key"), certificate = path("\(name).pem"), csr = path("\(name).csr")
        let sans = names.map { name in
            name.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) ? "IP:\(name)" : "DNS:\(name)"
        }.joined(separator: ",")
        let config = try writeConfig(name: "\(name)-leaf.cnf", extensions: """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            \(sans.isEmpty ? "" : "subjectAltName = \(sans)")
            """)
        try await TestSupport.openssl(["req", "-new", "-nodes", "-subj", "/CN=\(names.first ?? name)", "-keyout", key.path, "-out", csr.path]
                                      + Self.keyArguments(keySpec))
        var arguments = ["x509", "-req", "-in", csr.path, "-CA", issuer.certificate.path, "-CAkey", issuer.key.path,
                         "-CAcreateserial", "-extfile", config.path, "-extensions", "v3", "-\(digest)", "-out", certificate.path]
        if notBefore != nil || notAfter != nil {
            if let notBefore { arguments += ["-not_before", notBefore] }
            if let notAfter { arguments += ["-not_after", notAfter] } else { arguments += ["-days", "\(days)"] }
            // openssl 3.0's x509 lacks -not_before/-not_after; fall back to `ca` below when it refuses.
            do { try await TestSupport.openssl(arguments) } catch {
                try await signWithCA(csr: csr, issuer: issuer, config: config, out: certificate, digest: digest,
                                     notBefore: notBefore, notAfter: notAfter, days: days)
            }
        } else {
            try await TestSupport.openssl(arguments + ["-days", "\(days)"])
        }
        return Leaf(certificate: certificate, key: key)
    }

    /// `openssl ca` can set arbitrary validity dates (openssl 3.0's `x509` cannot).
    private func signWithCA(csr: URL, issuer: Authority, config: URL, out: URL, digest: String,
                            notBefore: String?, notAfter: String?, days: Int) async throws {
        let caDir = path("ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: caDir, withIntermediateDirectories: true)
        try Data().write(to: caDir.appendingPathComponent("index.txt"))
        try Data("1000\n".utf8).write(to: caDir.appendingPathComponent("serial"))
        let extensions = try String(contentsOf: config, encoding: .utf8)
        let caConfig = caDir.appendingPathComponent("ca.cnf")
        try Data(Self.caConfig(directory: caDir.path, newCerts: "$dir", digest: digest, extensions: extensions).utf8).write(to: caConfig)
        var arguments = ["ca", "-batch", "-config", caConfig.path, "-in", csr.path, "-cert", issuer.certificate.path,
                         "-keyfile", issuer.key.path, "-extensions", "v3", "-notext", "-out", out.path]
        if let notBefore { arguments += ["-startdate", notBefore] }
        if let notAfter { arguments += ["-enddate", notAfter] } else { arguments += ["-days", "\(days)"] }
        try await TestSupport.openssl(arguments)
    }

    /// An `openssl ca` configuration over `directory` (index.txt, serial),
    /// any subject with a CN, extensions only from the `v3` section given.
    static func caConfig(directory: String, newCerts: String, digest: String, extensions: String = "") -> String {
        """
        [ca]
        default_ca = clm_ca
        [clm_ca]
        dir = \(directory)
        database = $dir/index.txt
        serial = $dir/serial
        new_certs_dir = \(newCerts)
        default_md = \(digest)
        policy = clm_policy
        unique_subject = no
        copy_extensions = none
        email_in_dn = no
        [clm_policy]
        commonName = supplied
        \(extensions)
        """
    }

    private func writeConfig(name: String, extensions: String) throws -> URL {
        let url = path(name)
        try Data("""
            [req]
            distinguished_name = dn
            [dn]
            [v3]
            \(extensions)
            """.utf8).write(to: url)
        return url
    }

    /// DER encoding of a PEM certificate.
    public func der(of certificate: URL, to name: String) async throws -> URL {
        let out = path(name)
        try await TestSupport.openssl(["x509", "-in", certificate.path, "-outform", "DER", "-out", out.path])
        return out
    }

    /// SHA-256 fingerprint (lower-case hex) as openssl reports it.
    public func fingerprint(of certificate: URL) async throws -> String {
        let output = try await TestSupport.openssl(["x509", "-in", certificate.path, "-noout", "-fingerprint", "-sha256"])
        let value = output.split(separator: "=").last.map(String.init) ?? ""
        return value.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A PKCS#7 bundle of `certificates`, PEM or DER.
    public func pkcs7(_ certificates: [URL], to name: String, der: Bool) async throws -> URL {
        let out = path(name)
        var arguments = ["crl2pkcs7", "-nocrl", "-out", out.path]
        for certificate in certificates { arguments += ["-certfile", certificate.path] }
        if der { arguments += ["-outform", "DER"] }
        try await TestSupport.openssl(arguments)
        return out
    }

    /// A PKCS#12 file with `leaf`'s key and certificate (and `chain`), under `password` ("" for empty).
    public func pkcs12(_ leaf: Leaf, chain: [URL] = [], password: String, to name: String) async throws -> URL {
        let out = path(name)
        var arguments = ["pkcs12", "-export", "-inkey", leaf.key.path, "-in", leaf.certificate.path, "-out", out.path,
                         "-passout", "pass:\(password)"]
        for certificate in chain { arguments += ["-certfile", certificate.path] }
        try await TestSupport.openssl(arguments)
        return out
    }

    /// Writes `key` again in another format: "pkcs1" (RSA), "sec1" (EC), "pkcs8", "pkcs8-encrypted", "pem-encrypted".
    public func convertKey(_ key: URL, to format: String, name: String) async throws -> URL {
        let out = path(name)
        switch format {
        case "pkcs8":
            try await TestSupport.openssl(["pkey", "-in", key.path, "-out", out.path])
        case "pkcs8-encrypted":
            try await TestSupport.openssl(["pkcs8", "-topk8", "-in", key.path, "-out", out.path, "-passout", "pass:secret", "-v2", "aes-256-cbc"])
        case "pem-encrypted":
            try await TestSupport.openssl(["rsa", "-in", key.path, "-out", out.path, "-traditional", "-aes256", "-passout", "pass:secret"])
        case "pkcs1":
            try await TestSupport.openssl(["rsa", "-in", key.path, "-out", out.path, "-traditional"])
        case "sec1":
            try await TestSupport.openssl(["ec", "-in", key.path, "-out", out.path])
        default:
            fatalError("unknown key format \(format)")
        }
        return out
    }

    /// Concatenates files into `name`, with optional text before and after, optionally CRLF.
    public func bundle(_ files: [URL], to name: String, prefix: String = "", suffix: String = "", crlf: Bool = false) throws -> URL {
        var text = prefix
        for file in files { text += try String(contentsOf: file, encoding: .utf8) }
        text += suffix
        if crlf { text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n") }
        let out = path(name)
        try Data(text.utf8).write(to: out)
        return out
    }
}

/// The `clm` binary the end-to-end tests run: `$CLM_TEST_BINARY` when set (scripts/test points
/// it at the release build, which is what users run), else the one built next to the tests.
public enum ClmBinary {
    public static let environmentVariable = "CLM_TEST_BINARY"

    public static func url(file: StaticString = #filePath) throws -> URL {
        if let chosen = ProcessInfo.processInfo.environment[environmentVariable], !chosen.isEmpty {
            // An explicit choice never falls back to another build: that would hide the binary under test.
            guard FileManager.default.isExecutableFile(atPath: chosen) else {
                throw TestSupportError.toolMissing(tool: "clm at \(environmentVariable)=\(chosen)", aptPackage: "none: run `swift build -c release` first")
            }
            return URL(fileURLWithPath: chosen)
        }
        var candidates: [URL] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        candidates.append(argv0.deletingLastPathComponent().appendingPathComponent("clm"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("clm"))
        // <package>/Tests/CLMTestSupport/CertificateFactory.swift -> <package>/.build/debug/clm
        let root = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/clm"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        throw TestSupportError.toolMissing(tool: "clm (build it with `swift build`)", aptPackage: "none: run `swift build` first")
    }
}
