public import Foundation

/// The fields clm inventories, read straight from a certificate's DER.
///
/// Why not OpenSSL: `d2i_X509` builds the whole ASN.1 tree and tops out near
/// 5,000 certificates/s on clm's machines, while a cold scan of a host can
/// meet tens of thousands of certificates (CA bundles, Java trust stores). This
/// reader walks only the elements listed below with ``DERReader`` and copies
/// nothing it does not return.
///
/// Hostile input (truncated or huge lengths, indefinite lengths, wrong tags,
/// deep nesting) throws ``CertificateParseError``; it never traps.
///
/// - Warning: Nothing here verifies a signature. ``isSelfSigned`` is a
///   structural guess (self-issued and key identifiers that agree), not proof
///   that the certificate's key signed it.
public struct CertificateInfo: Sendable, Hashable {
    /// The certificate DER exactly as given.
    public let der: [UInt8]
    /// Lower-case hex SHA-256 of ``der`` (`openssl x509 -fingerprint -sha256`, without colons).
    public let fingerprintSHA256: String
    /// 1, 2 or 3.
    public let version: Int
    /// Lower-case hex of the serial INTEGER's content bytes, leading 00 bytes stripped
    /// (one byte is always kept). A negative serial is shown as its two's-complement bytes.
    public let serialHex: String
    public let subject: DistinguishedName
    public let issuer: DistinguishedName
    public let notBefore: Date
    /// From UTCTime (YY >= 50 means 19YY, else 20YY) or GeneralizedTime.
    public let notAfter: Date
    public let subjectAlternativeNames: [GeneralName]
    public let publicKey: PublicKeyInfo
    /// The outer signatureAlgorithm of the certificate.
    public let signatureAlgorithm: SignatureAlgorithm
    /// basicConstraints cA (false when the extension is absent).
    public let isCA: Bool
    public let pathLengthConstraint: Int?
    /// Subject DER equals issuer DER.
    public let isSelfIssued: Bool
    /// Self-issued, and the authority key identifier (if any) does not
    /// contradict the subject key identifier (if any): OpenSSL's
    /// `X509_check_akid` logic applied to the certificate itself. The signature is not checked.
    public let isSelfSigned: Bool
    /// Lower-case hex of the AKI keyIdentifier.
    public let authorityKeyIdentifier: String?
    /// Lower-case hex of the SKI.
    public let subjectKeyIdentifier: String?
    /// authorityInfoAccess caIssuers URIs.
    public let caIssuersURLs: [String]
    /// authorityInfoAccess OCSP URIs.
    public let ocspURLs: [String]
    /// Named bits of keyUsage, in bit order: digitalSignature, nonRepudiation,
    /// keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, cRLSign,
    /// encipherOnly, decipherOnly.
    public let keyUsage: [String]
    /// extendedKeyUsage purposes by OpenSSL short name ("serverAuth", "clientAuth", …) or dotted OID.
    public let extendedKeyUsage: [String]
    /// TLS feature extension (RFC 7633) lists status_request (5): OCSP must-staple.
    public let mustStaple: Bool

    /// The dNSName entries of the subjectAltName.
    public var dnsNames: [String] {
        subjectAlternativeNames.compactMap { if case .dns(let name) = $0 { name } else { nil } }
    }

    /// Parses one DER certificate. The input must be exactly one Certificate:
    /// bytes after it throw ``CertificateParseError/Code/trailingData``
    /// (see ``init(leadingCertificateIn:)`` for inputs with trailing bytes).
    public init(der: [UInt8]) throws(CertificateParseError) {
        let result = der.withUnsafeBytes { bytes in
            Result { () throws(CertificateParseError) -> CertificateInfo in
                try CertificateInfo(parsing: bytes, der: der)
            }
        }
        self = try result.get()
    }

    /// Parses the Certificate at the start of `bytes` and ignores what follows it:
    /// OpenSSL's "TRUSTED CERTIFICATE" PEM blocks append trust settings after the
    /// certificate, and some DER files concatenate certificates. ``der`` holds only
    /// the certificate's own bytes.
    public init(leadingCertificateIn bytes: [UInt8]) throws(CertificateParseError) {
        let length = bytes.withUnsafeBytes { buffer in
            var reader = DERReader(buffer)
            return Result { () throws(CertificateParseError) -> Int in try reader.next(DERTag.sequence, "Certificate SEQUENCE").end }
        }
        let end = try length.get()
        try self.init(der: end == bytes.count ? bytes : Array(bytes[..<end]))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.der == rhs.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprintSHA256) }
}

extension CertificateInfo {
    /// Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
    /// signatureValue BIT STRING }  (RFC 5280 §4.1)
    ///
    /// `version [0] EXPLICIT Version DEFAULT v1`, as 1, 2 or 3.
    private static func version(_ bytes: UnsafeRawBufferPointer, _ tbsReader: inout DERReader) throws(CertificateParseError) -> Int {
        guard let explicitVersion = try tbsReader.optional(DERTag.contextConstructed(0)) else { return 1 }
        var versionReader = DERReader(bytes, contentOf: explicitVersion)
        let value = try bytes.smallInteger(try versionReader.next(DERTag.integer, "version"), "version")
        try versionReader.finish("version")
        guard (0...2).contains(value) else {
            throw CertificateParseError(code: .invalidValue, reason: "version \(value) (only 0, 1, 2 exist) at offset \(explicitVersion.headerStart)")
        }
        return value + 1
    }

    /// `extensions [3] EXPLICIT Extensions OPTIONAL`.
    private static func extensions(_ bytes: UnsafeRawBufferPointer, _ node: DERNode?) throws(CertificateParseError) -> ExtensionFields {
        var extensions = ExtensionFields()
        guard let node else { return extensions }
        var explicitReader = DERReader(bytes, contentOf: node)
        let list = try explicitReader.next(DERTag.sequence, "Extensions SEQUENCE")
        try explicitReader.finish("extensions")
        try extensions.read(bytes, list: list)
        return extensions
    }

    /// TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, serialNumber INTEGER,
    /// signature AlgorithmIdentifier, issuer Name, validity Validity, subject Name,
    /// subjectPublicKeyInfo SubjectPublicKeyInfo, issuerUniqueID [1] IMPLICIT OPTIONAL,
    /// subjectUniqueID [2] IMPLICIT OPTIONAL, extensions [3] EXPLICIT Extensions OPTIONAL }
    private init(parsing bytes: UnsafeRawBufferPointer, der: [UInt8]) throws(CertificateParseError) {
        var top = DERReader(bytes)
        let certificate = try top.next(DERTag.sequence, "Certificate SEQUENCE")
        try top.finish("the input after the Certificate")

        var certificateReader = DERReader(bytes, contentOf: certificate)
        let tbs = try certificateReader.next(DERTag.sequence, "TBSCertificate")
        let outerAlgorithm = try certificateReader.next(DERTag.sequence, "signatureAlgorithm")
        _ = try certificateReader.next(DERTag.bitString, "signatureValue")
        try certificateReader.finish("Certificate")

        var tbsReader = DERReader(bytes, contentOf: tbs)
        let version = try Self.version(bytes, &tbsReader)
        let serial = try tbsReader.next(DERTag.integer, "serialNumber")
        guard serial.count > 0 else {
            throw CertificateParseError(code: .invalidValue, reason: "empty serialNumber at offset \(serial.headerStart)")
        }
        _ = try tbsReader.next(DERTag.sequence, "signature AlgorithmIdentifier")
        let issuerNode = try tbsReader.next(DERTag.sequence, "issuer Name")
        let validity = try tbsReader.next(DERTag.sequence, "validity")
        let subjectNode = try tbsReader.next(DERTag.sequence, "subject Name")
        let spki = try tbsReader.next(DERTag.sequence, "subjectPublicKeyInfo")
        _ = try tbsReader.optional(DERTag.contextPrimitive(1))
        _ = try tbsReader.optional(DERTag.contextConstructed(1))
        _ = try tbsReader.optional(DERTag.contextPrimitive(2))
        _ = try tbsReader.optional(DERTag.contextConstructed(2))
        let extensionsNode = try tbsReader.optional(DERTag.contextConstructed(3))
        try tbsReader.finish("TBSCertificate")

        var validityReader = DERReader(bytes, contentOf: validity)
        let notBefore = try X509Time.date(bytes, node: try validityReader.next(), "notBefore")
        let notAfter = try X509Time.date(bytes, node: try validityReader.next(), "notAfter")
        try validityReader.finish("Validity")
        let extensions = try Self.extensions(bytes, extensionsNode)

        // Strip leading 00 bytes, keeping one byte.
        var serialStart = serial.start
        while serial.end - serialStart > 1, bytes[serialStart] == 0 { serialStart += 1 }

        let subject = try DistinguishedName(bytes, name: subjectNode)
        let issuer = try DistinguishedName(bytes, name: issuerNode)
        let selfIssued = subject.der == issuer.der

        self.der = der
        self.fingerprintSHA256 = Digest.sha256Hex(bytes)
        self.version = version
        self.serialHex = Hex.encode(UnsafeRawBufferPointer(rebasing: bytes[serialStart..<serial.end]))
        self.subject = subject
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.subjectAlternativeNames = extensions.subjectAlternativeNames
        self.publicKey = try PublicKeyInfo(bytes, spki: spki)
        self.signatureAlgorithm = try SignatureAlgorithm(bytes, algorithmIdentifier: outerAlgorithm)
        self.isCA = extensions.isCA
        self.pathLengthConstraint = extensions.pathLengthConstraint
        self.isSelfIssued = selfIssued
        self.authorityKeyIdentifier = extensions.authorityKeyIdentifier
        self.subjectKeyIdentifier = extensions.subjectKeyIdentifier
        self.isSelfSigned = selfIssued && (extensions.authorityKeyIdentifier == nil || extensions.subjectKeyIdentifier == nil
            || extensions.authorityKeyIdentifier == extensions.subjectKeyIdentifier)
        self.caIssuersURLs = extensions.caIssuersURLs
        self.ocspURLs = extensions.ocspURLs
        self.keyUsage = extensions.keyUsage
        self.extendedKeyUsage = extensions.extendedKeyUsage
        self.mustStaple = extensions.mustStaple
    }
}

/// UTCTime and GeneralizedTime as RFC 5280 §4.1.2.5 allows them in certificates.
enum X509Time {
    /// UTCTime "YYMMDDHHMM[SS]Z" (YY >= 50 is 19YY) or GeneralizedTime
    /// "YYYYMMDDHHMMSS[.fff]Z". Offsets other than Z are rejected.
    static func date(_ bytes: UnsafeRawBufferPointer, node: DERNode, _ what: String) throws(CertificateParseError) -> Date {
        let content = UnsafeRawBufferPointer(rebasing: bytes[node.range])
        guard let seconds = secondsSince1970(content, tag: node.tag) else {
            if node.tag != DERTag.utcTime, node.tag != DERTag.generalizedTime {
                throw CertificateParseError(code: .unexpectedTag,
                                            reason: "\(what) at offset \(node.headerStart) has tag 0x\(hexByte(node.tag)), not UTCTime or GeneralizedTime")
            }
            throw CertificateParseError(code: .invalidValue,
                                        reason: "\(what) at offset \(node.headerStart) is not a valid UTC time: \"\(String(decoding: content.prefix(32), as: UTF8.self))\"")
        }
        return Date(timeIntervalSince1970: seconds)
    }

    static func secondsSince1970(_ content: UnsafeRawBufferPointer, tag: UInt8) -> Double? {
        guard let last = content.last, last == UInt8(ascii: "Z") else { return nil }
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= content.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let digit = content[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { return nil }
                value = value * 10 + Int(digit)
                index += 1
            }
            return value
        }
        let year: Int
        if tag == DERTag.utcTime {
            guard let yy = digits(2) else { return nil }
            year = yy >= 50 ? 1900 + yy : 2000 + yy
        } else if tag == DERTag.generalizedTime {
            guard let yyyy = digits(4) else { return nil }
            year = yyyy
        } else {
            return nil
        }
        guard let month = digits(2), let day = digits(2), let hour = digits(2), let minute = digits(2) else { return nil }
        var second = 0
        var fraction = 0.0
        if index < content.count - 1 {
            guard let value = digits(2) else { return nil }
            second = value
        }
        if tag == DERTag.generalizedTime, index < content.count - 1, content[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < content.count - 1 {
                let digit = content[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { return nil }
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
        }
        guard index == content.count - 1,
              (1...12).contains(month), (1...daysInMonth(month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second) + fraction
    }

    static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
