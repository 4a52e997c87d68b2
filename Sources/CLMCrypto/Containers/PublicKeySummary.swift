internal import COpenSSL

/// The public half of an OpenSSL key, reduced to what the inventory keeps.
struct PublicKeySummary {
    let spkiSHA256: String
    let algorithm: String
    let bits: Int?

    init?(of key: OpaquePointer) {
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        guard written == length else { return nil }
        spkiSHA256 = Digest.sha256Hex(der)
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS: algorithm = "RSA"
        case EVP_PKEY_EC: algorithm = "EC"
        case EVP_PKEY_ED25519: algorithm = "Ed25519"
        case EVP_PKEY_ED448: algorithm = "Ed448"
        case EVP_PKEY_DSA: algorithm = "DSA"
        default: algorithm = "unknown"
        }
        let size = EVP_PKEY_get_bits(key)
        bits = size > 0 ? Int(size) : nil
    }
}
