internal import COpenSSL
internal import CShims

/// Small conversions from OpenSSL certificate objects to plain values.
enum X509DER {
    static func encode(_ cert: OpaquePointer) -> [UInt8]? {
        let length = i2d_X509(cert, nil)
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509(cert, &cursor)
        }
        return written == length ? out : nil
    }

    static func rfc2253(_ name: OpaquePointer) -> String? {
        guard let text = clm_X509_NAME_rfc2253(name) else { return nil }
        defer { clm_OPENSSL_free(text) }
        return String(cString: text)
    }

    static func verifyErrorText(_ code: Int) -> String {
        X509_verify_cert_error_string(code).map { String(cString: $0) } ?? "unknown error \(code)"
    }
}
