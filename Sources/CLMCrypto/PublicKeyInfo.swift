/// The kind and size of a certificate's public key.
public enum KeyAlgorithm: Sendable, Hashable, CustomStringConvertible {
    case rsa(bits: Int)
    /// `curve` is "P-224", "P-256", "P-384", "P-521", "secp256k1", or the
    /// dotted curve OID ("explicit" when the parameters are not a named curve).
    case ec(curve: String)
    case ed25519
    case ed448
    case dsa(bits: Int)
    case unknown(oid: String)

    /// "RSA", "EC", "Ed25519", "Ed448", "DSA", or the dotted OID.
    public var name: String {
        switch self {
        case .rsa: "RSA"
        case .ec: "EC"
        case .ed25519: "Ed25519"
        case .ed448: "Ed448"
        case .dsa: "DSA"
        case .unknown(let oid): oid
        }
    }

    /// Key size as OpenSSL's `EVP_PKEY_get_bits` reports it: RSA and DSA
    /// modulus bits (exact, leading zeros stripped), the EC field size
    /// (256/384/521), 253 for Ed25519 and 456 for Ed448. Nil when unknown.
    public var bits: Int? {
        switch self {
        case .rsa(let bits), .dsa(let bits): bits
        case .ec(let curve):
            switch curve {
            case "P-224": 224
            case "P-256", "secp256k1": 256
            case "P-384": 384
            case "P-521": 521
            default: nil
            }
        case .ed25519: 253
        case .ed448: 456
        case .unknown: nil
        }
    }

    /// The EC curve name, nil for other key types.
    public var curve: String? {
        if case .ec(let curve) = self { return curve }
        return nil
    }

    /// "RSA 2048", "EC P-256", "Ed25519", "DSA 1024".
    public var description: String {
        switch self {
        case .rsa(let bits): "RSA \(bits)"
        case .ec(let curve): "EC \(curve)"
        case .ed25519: "Ed25519"
        case .ed448: "Ed448"
        case .dsa(let bits): "DSA \(bits)"
        case .unknown(let oid): "unknown key algorithm \(oid)"
        }
    }
}

/// A certificate's SubjectPublicKeyInfo, reduced to what clm compares and reports.
public struct PublicKeyInfo: Sendable, Hashable {
    public let algorithm: KeyAlgorithm
    /// Lower-case hex SHA-256 of the whole SubjectPublicKeyInfo DER (tag and
    /// length included): pairs a private key with its certificates and
    /// matches `openssl pkey -pubout -outform DER | sha256sum`.
    public let spkiSHA256: String

    public init(algorithm: KeyAlgorithm, spkiSHA256: String) {
        self.algorithm = algorithm
        self.spkiSHA256 = spkiSHA256
    }
}

extension PublicKeyInfo {
    /// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    init(_ bytes: UnsafeRawBufferPointer, spki: DERNode) throws(CertificateParseError) {
        var reader = DERReader(bytes, contentOf: spki)
        let identifier = try reader.next(DERTag.sequence, "public key AlgorithmIdentifier")
        let keyBits = try reader.next(DERTag.bitString, "subjectPublicKey BIT STRING")
        try reader.finish("SubjectPublicKeyInfo")
        guard keyBits.count >= 1 else {
            throw CertificateParseError(code: .invalidValue, reason: "empty subjectPublicKey BIT STRING at offset \(keyBits.headerStart)")
        }
        var identifierReader = DERReader(bytes, contentOf: identifier)
        let oid = try identifierReader.next(DERTag.oid, "public key algorithm OID")
        let parameters: DERNode? = identifierReader.isAtEnd ? nil : try identifierReader.next()

        let algorithm: KeyAlgorithm
        if bytes.lastArc(oid, after: X509OID.pkcs1) == 1 || bytes.lastArc(oid, after: X509OID.pkcs1) == 10 {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, inside the
            // BIT STRING after its unused-bits byte.
            let key = DERNode(tag: keyBits.tag, headerStart: keyBits.headerStart, start: keyBits.start + 1, end: keyBits.end)
            var keyReader = DERReader(bytes, contentOf: key)
            let sequence = try keyReader.next(DERTag.sequence, "RSAPublicKey")
            var rsaReader = DERReader(bytes, contentOf: sequence)
            let modulus = try rsaReader.next(DERTag.integer, "RSA modulus")
            algorithm = .rsa(bits: bytes.unsignedBitCount(modulus))
        } else if bytes.contentEquals(oid, X509OID.ecPublicKey) {
            algorithm = .ec(curve: Self.curveName(bytes, parameters: parameters))
        } else if let arc = bytes.lastArc(oid, after: X509OID.edwards), arc == 112 || arc == 113 {
            algorithm = arc == 112 ? .ed25519 : .ed448
        } else if bytes.contentEquals(oid, X509OID.dsa) {
            // Dss-Parms ::= SEQUENCE { p INTEGER, q INTEGER, g INTEGER }; the size is p's.
            var bits = 0
            if let parameters, parameters.tag == DERTag.sequence {
                var dssReader = DERReader(bytes, contentOf: parameters)
                bits = bytes.unsignedBitCount(try dssReader.next(DERTag.integer, "DSA p"))
            }
            algorithm = .dsa(bits: bits)
        } else {
            algorithm = .unknown(oid: bytes.oidString(oid))
        }
        self.init(algorithm: algorithm,
                  spkiSHA256: Digest.sha256Hex(UnsafeRawBufferPointer(rebasing: bytes[spki.fullRange])))
    }

    private static func curveName(_ bytes: UnsafeRawBufferPointer, parameters: DERNode?) -> String {
        guard let parameters, parameters.tag == DERTag.oid else { return "explicit" }
        if bytes.contentEquals(parameters, X509OID.prime256v1) { return "P-256" }
        if let arc = bytes.lastArc(parameters, after: X509OID.certicomCurve) {
            switch arc {
            case 10: return "secp256k1"
            case 33: return "P-224"
            case 34: return "P-384"
            case 35: return "P-521"
            default: break
            }
        }
        return bytes.oidString(parameters)
    }
}
