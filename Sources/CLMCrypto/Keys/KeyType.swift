/// The key algorithms clm generates for accounts and certificates.
public enum KeyType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case ecP256 = "ec-p256"
    case ecP384 = "ec-p384"
    case rsa2048 = "rsa-2048"
    case rsa3072 = "rsa-3072"
    case rsa4096 = "rsa-4096"

    public var description: String { rawValue }

    public var isEC: Bool { self == .ecP256 || self == .ecP384 }
}

/// JWS algorithms an ACME account key can sign with (RFC 7518 §3.1).
public enum JWSAlgorithm: String, Sendable, Hashable, Codable {
    /// ECDSA P-256 with SHA-256; the signature is raw r‖s (64 bytes).
    case es256 = "ES256"
    /// ECDSA P-384 with SHA-384; the signature is raw r‖s (96 bytes).
    case es384 = "ES384"
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256 = "RS256"
}
