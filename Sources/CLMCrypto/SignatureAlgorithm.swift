/// The algorithm a certificate's issuer signed it with (the outer
/// `signatureAlgorithm` of the certificate).
public struct SignatureAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// Dotted OID, e.g. "1.2.840.113549.1.1.11".
    public let oid: String
    /// OpenSSL's name, e.g. "sha256WithRSAEncryption", "ecdsa-with-SHA256",
    /// "ED25519", "rsassaPss"; the dotted OID when unknown.
    public let name: String
    /// Whether the digest is MD2, MD4, MD5 or SHA-1 (for RSASSA-PSS, the
    /// hash named in its parameters, SHA-1 when absent as RFC 4055 defaults).
    public let isWeak: Bool

    public init(oid: String, name: String, isWeak: Bool) {
        self.oid = oid
        self.name = name
        self.isWeak = isWeak
    }

    public var description: String { name }
}

extension SignatureAlgorithm {
    /// Reads an AlgorithmIdentifier: SEQUENCE { algorithm OID, parameters ANY OPTIONAL }.
    init(_ bytes: UnsafeRawBufferPointer, algorithmIdentifier: DERNode) throws(CertificateParseError) {
        var reader = DERReader(bytes, contentOf: algorithmIdentifier)
        let oidNode = try reader.next(DERTag.oid, "signature algorithm OID")
        let oid = bytes.oidString(oidNode)
        var name = oid
        var weak = false
        if let arc = bytes.lastArc(oidNode, after: X509OID.pkcs1) {
            switch arc {
            case 2: name = "md2WithRSAEncryption"; weak = true
            case 3: name = "md4WithRSAEncryption"; weak = true
            case 4: name = "md5WithRSAEncryption"; weak = true
            case 5: name = "sha1WithRSAEncryption"; weak = true
            case 10:
                name = "rsassaPss"
                weak = Self.pssHashIsWeak(bytes, parameters: reader.isAtEnd ? nil : try reader.next())
            case 11: name = "sha256WithRSAEncryption"
            case 12: name = "sha384WithRSAEncryption"
            case 13: name = "sha512WithRSAEncryption"
            case 14: name = "sha224WithRSAEncryption"
            default: break
            }
        } else if let arc = bytes.lastArc(oidNode, after: X509OID.ecdsaSHA2) {
            switch arc {
            case 1: name = "ecdsa-with-SHA224"
            case 2: name = "ecdsa-with-SHA256"
            case 3: name = "ecdsa-with-SHA384"
            case 4: name = "ecdsa-with-SHA512"
            default: break
            }
        } else if let arc = bytes.lastArc(oidNode, after: X509OID.edwards) {
            switch arc {
            case 112: name = "ED25519"
            case 113: name = "ED448"
            default: break
            }
        } else if let arc = bytes.lastArc(oidNode, after: X509OID.nistSignature) {
            switch arc {
            case 1: name = "dsa_with_SHA224"
            case 2: name = "dsa_with_SHA256"
            case 3: name = "dsa_with_SHA384"
            case 4: name = "dsa_with_SHA512"
            default: break
            }
        } else if bytes.contentEquals(oidNode, X509OID.ecdsaWithSHA1) {
            name = "ecdsa-with-SHA1"; weak = true
        } else if bytes.contentEquals(oidNode, X509OID.dsaWithSHA1) {
            name = "dsaWithSHA1"; weak = true
        } else if bytes.contentEquals(oidNode, X509OID.sha1WithRSAOld) {
            name = "sha1WithRSA"; weak = true
        }
        self.init(oid: oid, name: name, isWeak: weak)
    }

    /// RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, … }
    /// (RFC 4055 §3.1). Unreadable parameters count as weak: nothing vouches for them.
    private static func pssHashIsWeak(_ bytes: UnsafeRawBufferPointer, parameters: DERNode?) -> Bool {
        guard let parameters, parameters.tag == DERTag.sequence else { return true }
        var reader = DERReader(bytes, contentOf: parameters)
        guard let explicit = try? reader.optional(DERTag.contextConstructed(0)) else { return true }
        var hashReader = DERReader(bytes, contentOf: explicit)
        guard let identifier = try? hashReader.next(DERTag.sequence, "PSS hash algorithm") else { return true }
        var identifierReader = DERReader(bytes, contentOf: identifier)
        guard let hashOID = try? identifierReader.next(DERTag.oid, "PSS hash OID") else { return true }
        return bytes.isWeakHash(hashOID)
    }
}
