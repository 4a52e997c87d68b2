/// What the inventory records about one certificate; plain values so the
/// inventory does not depend on the parser that produced them.
public struct CertificateFacts: Sendable, Hashable, Codable {
    public var fingerprintSHA256: String
    public var subject: String
    public var subjectCN: String?
    public var issuer: String
    public var issuerCN: String?
    public var serial: String
    /// Unix seconds.
    public var notBefore: Int64
    /// Unix seconds.
    public var notAfter: Int64
    public var subjectAlternativeNames: [SubjectAlternativeName]
    public var keyAlgorithm: String
    public var keyBits: Int?
    public var keyCurve: String?
    public var signatureAlgorithm: String
    public var isCA: Bool
    public var isSelfSigned: Bool
    public var spkiSHA256: String
    public var authorityKeyID: String?
    public var subjectKeyID: String?
    /// The certificate itself (DER).
    public var der: [UInt8]

    public init(fingerprintSHA256: String, subject: String, subjectCN: String?, issuer: String, issuerCN: String?,
                serial: String, notBefore: Int64, notAfter: Int64, subjectAlternativeNames: [SubjectAlternativeName],
                keyAlgorithm: String, keyBits: Int?, keyCurve: String?, signatureAlgorithm: String, isCA: Bool,
                isSelfSigned: Bool, spkiSHA256: String, authorityKeyID: String?, subjectKeyID: String?, der: [UInt8]) {
        self.fingerprintSHA256 = fingerprintSHA256
        self.subject = subject
        self.subjectCN = subjectCN
        self.issuer = issuer
        self.issuerCN = issuerCN
        self.serial = serial
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.subjectAlternativeNames = subjectAlternativeNames
        self.keyAlgorithm = keyAlgorithm
        self.keyBits = keyBits
        self.keyCurve = keyCurve
        self.signatureAlgorithm = signatureAlgorithm
        self.isCA = isCA
        self.isSelfSigned = isSelfSigned
        self.spkiSHA256 = spkiSHA256
        self.authorityKeyID = authorityKeyID
        self.subjectKeyID = subjectKeyID
        self.der = der
    }

    /// "RSA 2048", "EC P-256", "Ed25519".
    public var keyDescription: String {
        if let keyCurve { return "\(keyAlgorithm) \(keyCurve)" }
        if let keyBits { return "\(keyAlgorithm) \(keyBits)" }
        return keyAlgorithm
    }
}

/// One subject alternative name.
public struct SubjectAlternativeName: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case dns, ip, email, uri, other }
    public var kind: Kind
    public var value: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }
}

/// A private key file as found on disk. Never holds key material.
public struct PrivateKeyFacts: Sendable, Hashable, Codable {
    public var path: String
    /// pkcs1, pkcs8, sec1, pkcs8-encrypted, pem-encrypted, pkcs12.
    public var format: String
    public var encrypted: Bool
    /// SHA-256 of the public key's SubjectPublicKeyInfo; nil when encrypted.
    public var spkiSHA256: String?
    public var keyAlgorithm: String?
    public var keyBits: Int?
    public var ownerUID: UInt32
    public var ownerGID: UInt32
    /// Permission bits (e.g. 0o600).
    public var mode: UInt32
    /// The host holding the file, on a whole-fleet read of a shared inventory (nil otherwise).
    public var host: String? = nil

    public init(path: String, format: String, encrypted: Bool, spkiSHA256: String?, keyAlgorithm: String?,
                keyBits: Int?, ownerUID: UInt32, ownerGID: UInt32, mode: UInt32) {
        self.path = path
        self.format = format
        self.encrypted = encrypted
        self.spkiSHA256 = spkiSHA256
        self.keyAlgorithm = keyAlgorithm
        self.keyBits = keyBits
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
        self.mode = mode
    }
}

/// Identity of a file's content as far as `stat` can tell.
public struct FileSnapshot: Sendable, Hashable {
    public var path: String
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var ownerUID: UInt32
    public var ownerGID: UInt32
    /// Permission bits (e.g. 0o600).
    public var permissions: UInt32

    public init(path: String, device: UInt64, inode: UInt64, size: Int64, mtimeNanoseconds: Int64,
                ownerUID: UInt32 = 0, ownerGID: UInt32 = 0, permissions: UInt32 = 0) {
        self.path = path
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
        self.permissions = permissions
    }

    /// True when `other` is very likely the same content.
    public func matches(_ other: FileSnapshot) -> Bool {
        device == other.device && inode == other.inode && size == other.size && mtimeNanoseconds == other.mtimeNanoseconds
    }
}
