internal import COpenSSL
internal import CShims
public import Foundation

/// OpenSSL's reading of a certificate, for the differential fuzzer that
/// holds the pure-Swift reader (``CertificateInfo``) against `d2i_X509`.
/// Not used by clm itself: d2i_X509 is the slow path the reader replaced.
public struct OpenSSLCertificateView: Sendable, Hashable {
    public let notAfter: Date?
    public let serialHex: String
    /// DNS names of the subjectAltName; nil when the extension does not decode.
    public let dnsNames: [String]?
    /// nil when OpenSSL cannot decode the public key.
    public let keyBits: Int?
    /// OpenSSL decoded the structure but flags an extension it knows as
    /// undecodable or inconsistent (EXFLAG_INVALID); verification refuses it.
    public let invalidExtensions: Bool
    /// Both validity times are well-formed ASN.1 times (d2i_X509 does not
    /// check; verification does, and refuses the certificate otherwise).
    public let validTimes: Bool
    /// X.509 version field as stored (0 = v1 ... 2 = v3); OpenSSL 3.0's
    /// d2i_X509 takes values that RFC 5280 does not define.
    public let version: Int

    /// nil when `d2i_X509` refuses the bytes or leaves some unread.
    public init?(der: [UInt8]) {
        OpenSSLError.clearQueue()
        defer { OpenSSLError.clearQueue() }
        let parsed: (OpaquePointer?, Int) = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let certificate = d2i_X509(nil, &cursor, buffer.count)
            let consumed = cursor.map { $0 - buffer.baseAddress! } ?? 0
            return (certificate, consumed)
        }
        guard let certificate = parsed.0 else { return nil }
        defer { X509_free(certificate) }
        guard parsed.1 == der.count else { return nil }
        var ok: Int32 = 0
        let epoch = clm_X509_not_after_epoch(certificate, &ok)
        notAfter = ok == 1 ? Date(timeIntervalSince1970: Double(epoch)) : nil
        var serial = [UInt8](repeating: 0, count: 64)
        let serialLength = Int(clm_X509_serial_content(certificate, &serial, Int32(serial.count)))
        serialHex = serialLength < 0 ? "" : Hex.encode(serial.prefix(min(serialLength, serial.count)))
        var names = [UInt8](repeating: 0, count: 8192)
        let used = Int(clm_X509_dns_names(certificate, &names, Int32(names.count)))
        if used < 0 || used > names.count {
            dnsNames = nil  // present but unreadable (or absurdly long)
        } else {
            var list: [String] = []
            var index = 0
            while index + 2 <= used {
                let length = Int(names[index]) << 8 | Int(names[index + 1])
                list.append(String(decoding: names[(index + 2)..<(index + 2 + length)], as: UTF8.self))
                index += 2 + length
            }
            dnsNames = list
        }
        version = Int(X509_get_version(certificate))
        validTimes = ASN1_TIME_check(X509_get0_notBefore(certificate)) == 1 && ASN1_TIME_check(X509_get0_notAfter(certificate)) == 1
        invalidExtensions = X509_get_extension_flags(certificate) & UInt32(EXFLAG_INVALID) != 0
        let key = X509_get0_pubkey(certificate)
        keyBits = key.map { Int(EVP_PKEY_get_bits($0)) }
    }
}
