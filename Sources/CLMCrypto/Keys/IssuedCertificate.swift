public import Foundation
internal import COpenSSL
internal import CShims

/// What the request stage needs to know about a certificate it obtained:
/// fingerprints, validity, the issuer's CN (for `--preferred-chain`) and the
/// ARI certificate identifier parts (RFC 9773 §4.1).
///
/// Parsed once from DER; a value type, no OpenSSL object is kept.
public struct IssuedCertificate: Sendable, Hashable {
    public let der: [UInt8]
    /// Lower-case hex SHA-256 of the DER.
    public let sha256Hex: String
    /// Lower-case hex SHA-256 of the SubjectPublicKeyInfo DER.
    public let spkiSHA256Hex: String
    public let subjectCommonName: String?
    public let issuerCommonName: String?
    public let notBefore: Date
    public let notAfter: Date
    /// The serial number's DER content octets (INTEGER without tag and length).
    public let serialDER: [UInt8]
    /// keyIdentifier of the authorityKeyIdentifier extension, if present.
    public let authorityKeyIdentifier: [UInt8]?

    /// Lower-case hex serial number.
    public var serialHex: String { Hex.encode(serialDER.drop { $0 == 0 }.isEmpty ? [0] : Array(serialDER.drop { $0 == 0 })) }

    public init(der: [UInt8]) throws(KeyError) {
        OpenSSLError.clearQueue()
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var p = buffer.baseAddress
            return d2i_X509(nil, &p, buffer.count)
        }
        guard let x509 = parsed else { throw .unreadableCertificate("DER does not parse as X.509 (\(der.count) bytes)") }
        defer { X509_free(x509) }
        self.der = der
        self.sha256Hex = Digest.sha256Hex(der)

        var spki: [UInt8] = []
        if let pub = X509_get_X509_PUBKEY(x509) {
            let length = i2d_X509_PUBKEY(pub, nil)
            if length > 0 {
                spki = [UInt8](repeating: 0, count: Int(length))
                _ = spki.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    var p = buffer.baseAddress
                    return i2d_X509_PUBKEY(pub, &p)
                }
            }
        }
        self.spkiSHA256Hex = Digest.sha256Hex(spki)
        self.subjectCommonName = Self.commonName(X509_get_subject_name(x509))
        self.issuerCommonName = Self.commonName(X509_get_issuer_name(x509))
        guard let nb = Self.date(X509_get0_notBefore(x509)), let na = Self.date(X509_get0_notAfter(x509)) else {
            throw .unreadableCertificate("validity dates do not parse")
        }
        self.notBefore = nb
        self.notAfter = na

        var serial: [UInt8] = []
        if let integer = X509_get0_serialNumber(x509) {
            let length = i2d_ASN1_INTEGER(integer, nil)
            if length > 0 {
                var tlv = [UInt8](repeating: 0, count: Int(length))
                _ = tlv.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    var p = buffer.baseAddress
                    return i2d_ASN1_INTEGER(integer, &p)
                }
                serial = Self.derContent(tlv)
            }
        }
        self.serialDER = serial

        if let keyID = X509_get0_authority_key_id(x509) {
            let length = Int(ASN1_STRING_length(keyID))
            if let data = ASN1_STRING_get0_data(keyID), length > 0 {
                self.authorityKeyIdentifier = Array(UnsafeBufferPointer(start: data, count: length))
            } else {
                self.authorityKeyIdentifier = nil
            }
        } else {
            self.authorityKeyIdentifier = nil
        }
        ERR_clear_error()
    }

    /// Strips tag and length from a DER TLV.
    static func derContent(_ tlv: [UInt8]) -> [UInt8] {
        guard tlv.count >= 2 else { return [] }
        let first = Int(tlv[1])
        if first < 0x80 { return Array(tlv.dropFirst(2)) }
        let lengthBytes = first & 0x7F
        return Array(tlv.dropFirst(2 + lengthBytes))
    }

    static func commonName(_ name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&out, data)
        guard length >= 0, let out else { return nil }
        defer { clm_OPENSSL_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var tm = tm()
        guard ASN1_TIME_to_tm(time, &tm) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    /// Splits a PEM bundle into certificate DERs, in order.
    public static func derBlocks(fromPEM pem: String) -> [[UInt8]] {
        PEMDecoder.blocks(in: Array(pem.utf8)).blocks.filter { $0.label == "CERTIFICATE" }.map(\.der)
    }

    /// PEM text for one DER certificate.
    public static func pem(fromDER der: [UInt8]) -> String { PEMEncoding.certificate(der) }
}
