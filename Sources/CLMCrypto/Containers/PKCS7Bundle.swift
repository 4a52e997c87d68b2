internal import COpenSSL
internal import CShims

/// Certificates carried in a PKCS#7 (`.p7b`, `.p7c`) SignedData bundle.
public enum PKCS7Bundle {
    public enum Encoding: Sendable { case der, pem }

    /// The DER of every certificate in the bundle, in bundle order.
    public static func certificates(from bytes: [UInt8], encoding: Encoding) throws(OpenSSLError) -> [[UInt8]] {
        OpenSSLError.clearQueue()
        let pkcs7: UnsafeMutablePointer<PKCS7>? = bytes.withUnsafeBytes { raw in
            guard let length = Int32(exactly: raw.count), let bio = BIO_new_mem_buf(raw.baseAddress, length) else { return nil }
            defer { BIO_free(bio) }
            switch encoding {
            case .der: return d2i_PKCS7_bio(bio, nil)
            case .pem: return PEM_read_bio_PKCS7(bio, nil, nil, nil)
            }
        }
        guard let pkcs7 else { throw OpenSSLError.capture("reading PKCS#7 bundle", call: encoding == .der ? "d2i_PKCS7_bio" : "PEM_read_bio_PKCS7") }
        defer { PKCS7_free(pkcs7) }
        guard let stack = clm_PKCS7_certificates(pkcs7) else { return [] }
        var result: [[UInt8]] = []
        for index in 0..<clm_sk_X509_num(stack) {
            guard let certificate = clm_sk_X509_value(stack, index), let der = X509DER.encode(certificate) else { continue }
            result.append(der)
        }
        return result
    }
}
