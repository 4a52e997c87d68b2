internal import CLMCrypto

/// Decides what a file holds from its bytes, never from its name: PEM
/// (any number of blocks, CRLF, text around them), DER certificates,
/// PKCS#7 and PKCS#12 bundles, and private keys (PKCS#1, PKCS#8, SEC1,
/// encrypted or not).
///
/// The file name matters only for whether an unrecognised file deserves a
/// warning: `notes.txt` holding no certificate is normal, `site.pem`
/// holding none is a problem.
public struct ContentSniffer: Sendable {
    public let pkcs12Passwords: [String]
    /// Whether warnings carry the library's own detail (OpenSSL's error queue).
    public let detailedWarnings: Bool

    public init(pkcs12Passwords: [String] = [], detailedWarnings: Bool = false) {
        self.pkcs12Passwords = pkcs12Passwords
        self.detailedWarnings = detailedWarnings
    }

    /// Extensions whose files are expected to hold certificate material.
    static let certificateExtensions: Set<String> = [
        "pem", "crt", "cer", "cert", "der", "key", "p12", "pfx", "p7b", "p7c", "p7", "csr", "chain", "ca-bundle", "bundle",
    ]

    public static func expectsCertificateMaterial(path: String) -> Bool {
        guard let name = path.split(separator: "/").last, let dot = name.lastIndex(of: ".") else { return false }
        return certificateExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    func parse(_ bytes: [UInt8], path: String) -> ParsedFile {
        var result = ParsedFile()
        let expected = Self.expectsCertificateMaterial(path: path)
        if bytes.isEmpty {
            if expected { result.problems.append("empty file") }
            return result
        }
        if PEMDecoder.containsPEMMarker(bytes) {
            parsePEM(bytes, into: &result)
        } else if bytes[0] == 0x30 {
            parseDER(bytes, into: &result, expected: expected)
        } else if expected {
            result.problems.append("not a certificate or key: no PEM block and not DER")
        }
        if !result.recognized && expected && result.problems.isEmpty {
            result.problems.append("not a certificate or key")
        }
        return result
    }

    private func parsePEM(_ bytes: [UInt8], into result: inout ParsedFile) {
        let scan = PEMDecoder.blocks(in: bytes)
        for problem in scan.problems { result.problems.append("\(problem)") }
        for (index, block) in scan.blocks.enumerated() {
            let place = "PEM block \(index + 1) (\(block.label))"
            switch block.label {
            case "CERTIFICATE", "X509 CERTIFICATE":
                result.recognized = true
                result.certificates.append(block.der)
            case "TRUSTED CERTIFICATE":
                result.recognized = true
                if let der = DERShape(block.der).firstElementBytes() {
                    result.certificates.append(der)
                } else {
                    result.problems.append("\(place): truncated DER")
                }
            case "PKCS7":
                result.recognized = true
                do { result.certificates += try PKCS7Bundle.certificates(from: block.der, encoding: .der) } catch {
                    result.problems.append("\(place): \(error)")
                }
            case "ENCRYPTED PRIVATE KEY":
                result.recognized = true
                result.keys.append(PrivateKeyInspector.encrypted(format: "pkcs8-encrypted"))
            default:
                if let format = PrivateKeyInspector.format(forPEMLabel: block.label) {
                    result.recognized = true
                    if block.headers["Proc-Type"]?.contains("ENCRYPTED") == true {
                        result.keys.append(PrivateKeyInspector.encrypted(format: "pem-encrypted"))
                    } else {
                        do { result.keys.append(try PrivateKeyInspector.inspect(der: block.der, format: format)) } catch {
                            result.problems.append("\(place): \(unreadableKey(format, error))")
                        }
                    }
                } else if let kind = Self.setAsideLabels[block.label] {
                    result.recognized = true
                    result.setAside.append("\(kind) (PEM)")
                } else if Self.ignoredPEMLabels.contains(block.label) {
                    result.recognized = true
                }
            }
        }
    }

    /// Recognised PEM labels that the inventory does not record.
    static let ignoredPEMLabels: Set<String> = [
        "PUBLIC KEY", "RSA PUBLIC KEY", "DH PARAMETERS", "EC PARAMETERS", "X9.42 DH PARAMETERS", "DSA PARAMETERS", "PARAMETERS",
    ]

    /// Signed objects that look like certificate material but are not
    /// certificates: named in one information line when a file holds only them.
    static let setAsideLabels: [String: String] = [
        "X509 CRL": "certificate revocation list", "CERTIFICATE REQUEST": "certificate signing request",
        "NEW CERTIFICATE REQUEST": "certificate signing request",
    ]

    /// One line saying what is wrong with a key; OpenSSL's error queue only
    /// when detail was asked for (`-v`), since it runs to hundreds of characters.
    private func unreadableKey(_ format: String, _ error: OpenSSLError) -> String {
        let line = "not a readable \(format) private key (damaged or not a key)"
        return detailedWarnings ? "\(line): \(error)" : line
    }

    private func parseDER(_ bytes: [UInt8], into result: inout ParsedFile, expected: Bool) {
        let peek = DERShape(bytes)
        guard peek.startsWithElement else {
            if expected { result.problems.append("truncated or malformed DER") }
            return
        }
        if peek.looksLikePKCS7 {
            result.recognized = true
            do { result.certificates = try PKCS7Bundle.certificates(from: bytes, encoding: .der) } catch {
                result.problems.append("PKCS#7: \(error)")
            }
            return
        }
        if peek.looksLikePKCS12 {
            result.recognized = true
            do {
                let bundle = try PKCS12Bundle.open(bytes, passwords: pkcs12Passwords)
                result.certificates = bundle.certificates
                if let spki = bundle.keySPKISHA256 {
                    result.keys.append(PrivateKeyInspector.Result(format: "pkcs12", encrypted: false, spkiSHA256: spki,
                                                                  algorithm: bundle.keyAlgorithm, bits: bundle.keyBits))
                }
            } catch {
                result.problems.append("\(error)")
            }
            return
        }
        if let format = peek.privateKeyFormat {
            result.recognized = true
            if format == "pkcs8-encrypted" {
                result.keys.append(PrivateKeyInspector.encrypted(format: format))
            } else {
                do { result.keys.append(try PrivateKeyInspector.inspect(der: bytes, format: format)) } catch {
                    result.problems.append(unreadableKey(format, error))
                }
            }
            return
        }
        // Certificates are the common case; the full parse happens later
        // (and only for fingerprints the inventory does not hold yet).
        switch peek.signedKind {
        case .certificate:
            if let der = peek.firstElementBytes() {
                result.recognized = true
                result.certificates.append(der)
                return
            }
        case .crl:
            result.recognized = true
            result.setAside.append("certificate revocation list (DER)")
            return
        case .csr:
            result.recognized = true
            result.setAside.append("certificate signing request (DER)")
            return
        case nil:
            break
        }
        if expected { result.problems.append("DER is not a certificate, key, PKCS#7 or PKCS#12") }
    }
}
