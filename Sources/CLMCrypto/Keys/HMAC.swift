internal import COpenSSL

/// HMAC over OpenSSL, for ACME external account binding (HS256).
public enum HMAC {
    /// HMAC-SHA256 of `data` under `key` (32 bytes).
    public static func sha256(key: [UInt8], data: [UInt8]) throws(KeyError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        OpenSSLError.clearQueue()
        let ok = key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                COpenSSL.HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                              d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count, &out, &length)
            }
        }
        guard ok != nil else { throw .openSSL(.capture("HMAC-SHA256", call: "HMAC")) }
        return Array(out.prefix(Int(length)))
    }
}
