internal import COpenSSL
internal import CShims

/// A PKCS#10 certificate signing request for ACME finalize (RFC 8555 §7.4).
///
/// The subject carries only a CN (the first DNS name, if any); every
/// identifier goes into subjectAltName as a dNSName or iPAddress.
public struct CertificateSigningRequest: Sendable {
    /// DNS names, in the order given (duplicates removed).
    public var dnsNames: [String]
    /// IP addresses in textual form (IPv4 or IPv6).
    public var ipAddresses: [String]
    /// Subject CN; defaults to the first DNS name.
    public var commonName: String?

    public init(dnsNames: [String], ipAddresses: [String] = [], commonName: String? = nil) {
        var seen = Set<String>()
        self.dnsNames = dnsNames.filter { seen.insert($0.lowercased()).inserted }
        self.ipAddresses = ipAddresses
        self.commonName = commonName ?? self.dnsNames.first
    }

    /// Builds and signs the request (SHA-256) with `key`; returns DER.
    public func derEncoded(signedWith key: PrivateKey) throws(KeyError) -> [UInt8] {
        OpenSSLError.clearQueue()
        guard let req = X509_REQ_new() else { throw .openSSL(.capture("building a CSR", call: "X509_REQ_new")) }
        defer { X509_REQ_free(req) }
        _ = X509_REQ_set_version(req, 0)
        if let cn = commonName, cn.utf8.count <= 64 {
            guard let name = X509_REQ_get_subject_name(req),
                  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) == 1 else {
                throw .openSSL(.capture("setting the CSR subject", call: "X509_NAME_add_entry_by_txt"))
            }
        }
        guard X509_REQ_set_pubkey(req, key.pkey) == 1 else {
            throw .openSSL(.capture("setting the CSR public key", call: "X509_REQ_set_pubkey"))
        }
        guard let names = clm_general_names_new() else { throw .openSSL(.capture("building a CSR", call: "sk_GENERAL_NAME_new_null")) }
        defer { clm_general_names_free(names) }
        for dns in dnsNames {
            guard Self.isPlausibleDNSName(dns) else { throw .invalidIdentifier(dns) }
            guard clm_general_names_add_dns(names, dns) == 1 else {
                throw .openSSL(.capture("adding DNS name \(dns) to the CSR", call: "ASN1_STRING_set"))
            }
        }
        for ip in ipAddresses {
            guard clm_general_names_add_ip(names, ip) == 1 else { throw .invalidIdentifier(ip) }
        }
        guard clm_X509_REQ_add_subject_alt_names(req, names) == 1 else {
            throw .openSSL(.capture("adding subjectAltName to the CSR", call: "X509_REQ_add_extensions"))
        }
        guard X509_REQ_sign(req, key.pkey, EVP_sha256()) > 0 else {
            throw .openSSL(.capture("signing the CSR", call: "X509_REQ_sign"))
        }
        let length = i2d_X509_REQ(req, nil)
        guard length > 0 else { throw .openSSL(.capture("encoding the CSR", call: "i2d_X509_REQ")) }
        var out = [UInt8](repeating: 0, count: Int(length))
        _ = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var p = buffer.baseAddress
            return i2d_X509_REQ(req, &p)
        }
        return out
    }

    /// Letters, digits, '-', '.', and a leading "*." for wildcards.
    static func isPlausibleDNSName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        var body = Substring(name)
        if body.hasPrefix("*.") { body = body.dropFirst(2) }
        return body.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }
}
