internal import Foundation
public import CLMCrypto

/// The files of one certificate set, checked to belong together.
///
/// - Warning: holds the private key's PEM.
public struct CertificateMaterial: Sendable, Hashable {
    public let keyPEM: [UInt8]
    public let leafPEM: String
    /// Intermediates only, PEM.
    public let chainPEM: String
    public let certificate: IssuedCertificate

    public var fingerprint: String { certificate.sha256Hex }
    public var fullchainPEM: String { leafPEM + chainPEM }
    /// HAProxy's combined PEM: key, certificate, chain.
    public var combinedPEM: [UInt8] { keyPEM + Array(("\n" + leafPEM + chainPEM).utf8) }

    /// Builds the set; the key must match the certificate (SPKI hashes).
    public init(name: String, keyPEM: [UInt8], leafPEM: String, chainPEM: String, keySource: String) throws(DeployError) {
        guard let der = IssuedCertificate.derBlocks(fromPEM: leafPEM).first, let certificate = try? IssuedCertificate(der: der) else {
            throw .noCertificate(name: name, path: keySource)
        }
        let spki: String
        do { spki = try PrivateKey(bytes: keyPEM, source: keySource).publicKeySHA256Hex() } catch {
            throw .unusableKey(name: name, path: keySource, why: "\(error)")
        }
        guard spki == certificate.spkiSHA256Hex else { throw .keyMismatch(name: name, path: keySource) }
        self.keyPEM = keyPEM
        self.leafPEM = leafPEM.hasSuffix("\n") ? leafPEM : leafPEM + "\n"
        self.chainPEM = chainPEM.isEmpty || chainPEM.hasSuffix("\n") ? chainPEM : chainPEM + "\n"
        self.certificate = certificate
    }

    /// SHA-256 of the first certificate in PEM text, if any.
    static func fingerprint(ofPEM bytes: [UInt8]?) -> String? {
        guard let bytes, let der = IssuedCertificate.derBlocks(fromPEM: String(decoding: bytes, as: UTF8.self)).first else { return nil }
        return Digest.sha256Hex(der)
    }
}
