public import Foundation

/// What the request stage needs to know about a certificate it obtained:
/// fingerprints, validity, the issuer's CN (for `--preferred-chain`) and the
/// ARI certificate identifier parts (RFC 9773 §4.1).
///
/// A view over ``CertificateInfo``, clm's one certificate parser (pure Swift);
/// OpenSSL stays for keys, CSRs, signatures and TLS.
public struct IssuedCertificate: Sendable, Hashable {
    public let info: CertificateInfo
    /// The serial number's DER content octets (INTEGER without tag and length), exactly as encoded.
    public let serialDER: [UInt8]

    public var der: [UInt8] { info.der }
    /// Lower-case hex SHA-256 of the DER.
    public var sha256Hex: String { info.fingerprintSHA256 }
    /// Lower-case hex SHA-256 of the SubjectPublicKeyInfo DER.
    public var spkiSHA256Hex: String { info.publicKey.spkiSHA256 }
    public var subjectCommonName: String? { info.subject.commonName }
    public var issuerCommonName: String? { info.issuer.commonName }
    public var notBefore: Date { info.notBefore }
    public var notAfter: Date { info.notAfter }
    /// keyIdentifier of the authorityKeyIdentifier extension, if present.
    public var authorityKeyIdentifier: [UInt8]? { info.authorityKeyIdentifier.flatMap(Hex.decode) }
    /// Lower-case hex serial number.
    public var serialHex: String { info.serialHex }

    public init(der: [UInt8]) throws(KeyError) {
        do { info = try CertificateInfo(der: der) } catch {
            throw .unreadableCertificate("DER does not parse as X.509 (\(der.count) bytes): \(error)")
        }
        serialDER = Self.serialContent(der)
    }

    /// Certificate → TBSCertificate → [0] version (optional) → serialNumber; parsed already, so it does not fail.
    static func serialContent(_ der: [UInt8]) -> [UInt8] {
        der.withUnsafeBytes { bytes in
            do throws(CertificateParseError) {
                var top = DERReader(bytes)
                var certificate = DERReader(bytes, contentOf: try top.next(DERTag.sequence, "Certificate SEQUENCE"))
                var tbs = DERReader(bytes, contentOf: try certificate.next(DERTag.sequence, "TBSCertificate"))
                _ = try tbs.optional(DERTag.contextConstructed(0))
                return Array(bytes[try tbs.next(DERTag.integer, "serialNumber").range])
            } catch {
                return []
            }
        }
    }

    /// Splits a PEM bundle into certificate DERs, in order.
    public static func derBlocks(fromPEM pem: String) -> [[UInt8]] {
        PEMDecoder.blocks(in: Array(pem.utf8)).blocks.filter { $0.label == "CERTIFICATE" }.map(\.der)
    }

    /// PEM text for one DER certificate.
    public static func pem(fromDER der: [UInt8]) -> String { PEMEncoding.certificate(der) }
}
