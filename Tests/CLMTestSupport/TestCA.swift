public import Foundation

/// A key type for test certificates.
public enum TestKey: Sendable {
    case ec
    case rsa(bits: Int)

    var genpkeyArguments: [String] {
        switch self {
        case .ec: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        case let .rsa(bits): ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)"]
        }
    }
}

/// A certificate and key written by ``TestCA`` (PEM files).
public struct TestCertificate: Sendable {
    public let certPath: String
    public let keyPath: String

    /// The certificate's DER bytes.
    public func der() throws -> [UInt8] {
        let pem = try String(contentsOfFile: certPath, encoding: .utf8)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { throw TestSupportError.commandFailed(command: "bad PEM in \(certPath)", status: -1, stderr: "") }
        return [UInt8](data)
    }
}

/// A private CA (root + intermediate) made with the openssl CLI in a
/// temporary directory, which issues leaves with chosen flaws: validity
/// dates, key type, digest, names, issuer.
///
/// Certificates are generated at test time and never committed.
public final class TestCA: @unchecked Sendable {
    // Immutable after init except for `counter`, guarded by `lock`.
    public let directory: URL
    public let root: TestCertificate
    public let intermediate: TestCertificate
    private let lock = NSLock()
    private var counter = 0

    /// Issuer choices for ``issue(_:sans:key:digest:notBefore:notAfter:issuer:caIssuersURL:)``.
    public enum Issuer: Sendable { case root, intermediate, selfSigned }

    /// - Parameter intermediateNotAfter: end of the intermediate's validity
    ///   (default: root's, ten years).
    public init(directory: URL? = nil, intermediateNotAfter: Date? = nil, rootName: String = "clm Test Root CA",
                intermediateName: String = "clm Test Intermediate CA") throws {
        let dir = try directory ?? ToolRunner.temporaryDirectory("clm-ca")
        self.directory = dir
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("newcerts"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("index.txt"))
        try "1000\n".write(to: dir.appendingPathComponent("serial"), atomically: true, encoding: .utf8)
        try CertificateFactory.caConfig(directory: dir.path, newCerts: "$dir/newcerts", digest: "sha256").write(to: dir.appendingPathComponent("ca.cnf"), atomically: true, encoding: .utf8)

        let rootKey = dir.appendingPathComponent("root.key").path
        let rootCert = dir.appendingPathComponent("root.pem").path
        try ToolRunner.run("openssl", ["genpkey"] + TestKey.ec.genpkeyArguments + ["-out", rootKey])
        try ToolRunner.run("openssl", ["req", "-x509", "-new", "-key", rootKey, "-out", rootCert, "-subj", "/CN=\(rootName)",
                                       "-days", "3650", "-sha256",
                                       "-addext", "basicConstraints=critical,CA:TRUE",
                                       "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        root = TestCertificate(certPath: rootCert, keyPath: rootKey)
        intermediate = try Self.issue(in: dir, serialName: "intermediate", subject: intermediateName, sans: [],
                                      key: .ec, digest: "sha256", notBefore: Date().addingTimeInterval(-86_400),
                                      notAfter: intermediateNotAfter ?? Date().addingTimeInterval(9 * 365 * 86_400),
                                      signer: root, isCA: true, caIssuersURL: nil)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Issues a server certificate for `name`.
    ///
    /// - Parameters:
    ///   - sans: subjectAltName entries (`DNS:` assumed unless the entry is an
    ///     IP address or already has a `TYPE:` prefix); default `[name]`.
    ///   - notBefore/notAfter: default yesterday / in 90 days.
    public func issue(_ name: String, sans: [String]? = nil, key: TestKey = .ec, digest: String = "sha256",
                      notBefore: Date? = nil, notAfter: Date? = nil, issuer: Issuer = .intermediate,
                      caIssuersURL: String? = nil) throws -> TestCertificate {
        let serialName: String = lock.withLock {
            counter += 1
            return "leaf\(counter)"
        }
        let start = notBefore ?? Date().addingTimeInterval(-86_400)
        let end = notAfter ?? Date().addingTimeInterval(90 * 86_400)
        let signer: TestCertificate? = switch issuer {
        case .root: root
        case .intermediate: intermediate
        case .selfSigned: nil
        }
        return try Self.issue(in: directory, serialName: serialName, subject: name, sans: sans ?? [name], key: key,
                              digest: digest, notBefore: start, notAfter: end, signer: signer, isCA: false,
                              caIssuersURL: caIssuersURL)
    }

    /// Writes the PEM of `certificates` concatenated into one file.
    public func bundle(_ certificates: [TestCertificate], name: String) throws -> String {
        let text = try certificates.map { try String(contentsOfFile: $0.certPath, encoding: .utf8) }.joined()
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private static func issue(in dir: URL, serialName: String, subject: String, sans: [String], key: TestKey,
                              digest: String, notBefore: Date, notAfter: Date, signer: TestCertificate?,
                              isCA: Bool, caIssuersURL: String?) throws -> TestCertificate {
        let keyPath = dir.appendingPathComponent("\(serialName).key").path
        let csrPath = dir.appendingPathComponent("\(serialName).csr").path
        let certPath = dir.appendingPathComponent("\(serialName).pem").path
        let extPath = dir.appendingPathComponent("\(serialName).ext").path
        try ToolRunner.run("openssl", ["genpkey"] + key.genpkeyArguments + ["-out", keyPath])
        try ToolRunner.run("openssl", ["req", "-new", "-key", keyPath, "-out", csrPath, "-subj", "/CN=\(subject)"])
        var ext = ["[ v3 ]", "subjectKeyIdentifier = hash"]
        if isCA {
            ext += ["basicConstraints = critical, CA:TRUE, pathlen:0", "keyUsage = critical, keyCertSign, cRLSign"]
        } else {
            ext += ["basicConstraints = CA:FALSE", "keyUsage = critical, digitalSignature, keyEncipherment",
                    "extendedKeyUsage = serverAuth"]
        }
        if signer != nil { ext.append("authorityKeyIdentifier = keyid") }
        if !sans.isEmpty {
            let entries = sans.map { san -> String in
                if san.contains(":") && !san.hasPrefix("[") && san.split(separator: ":").count == 2
                    && ["DNS", "IP", "email", "URI"].contains(String(san.split(separator: ":")[0])) { return san }
                return san.allSatisfy({ $0.isNumber || $0 == "." }) || san.contains(":") ? "IP:\(san)" : "DNS:\(san)"
            }
            ext.append("subjectAltName = " + entries.joined(separator: ", "))
        }
        if let caIssuersURL { ext.append("authorityInfoAccess = caIssuers;URI:\(caIssuersURL)") }
        try (ext.joined(separator: "\n") + "\n").write(toFile: extPath, atomically: true, encoding: .utf8)

        var args = ["ca", "-batch", "-config", dir.appendingPathComponent("ca.cnf").path, "-in", csrPath,
                    "-out", certPath, "-notext", "-md", digest, "-extfile", extPath, "-extensions", "v3",
                    "-startdate", asn1Time(notBefore), "-enddate", asn1Time(notAfter), "-subj", "/CN=\(subject)"]
        if let signer {
            args += ["-cert", signer.certPath, "-keyfile", signer.keyPath]
        } else {
            args += ["-selfsign", "-keyfile", keyPath]
        }
        try ToolRunner.run("openssl", args)
        return TestCertificate(certPath: certPath, keyPath: keyPath)
    }

    private static func asn1Time(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date).year ?? 2000
        f.dateFormat = (1950..<2050).contains(year) ? "yyMMddHHmmss'Z'" : "yyyyMMddHHmmss'Z'"
        return f.string(from: date)
    }
}
