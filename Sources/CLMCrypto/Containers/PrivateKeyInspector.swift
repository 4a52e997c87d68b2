internal import COpenSSL

/// Tells what a private key file holds without keeping the key: its
/// format, whether it is encrypted, and the hash of its public key (for
/// pairing with certificates).
///
/// - Warning: never prompts for a passphrase; encrypted keys are reported
///   as encrypted and left alone.
public enum PrivateKeyInspector {
    public struct Result: Sendable, Hashable {
        /// pkcs1, pkcs8, sec1, pkcs8-encrypted, pem-encrypted.
        public let format: String
        public let encrypted: Bool
        public let spkiSHA256: String?
        public let algorithm: String?
        public let bits: Int?

        public init(format: String, encrypted: Bool, spkiSHA256: String?, algorithm: String?, bits: Int?) {
            self.format = format
            self.encrypted = encrypted
            self.spkiSHA256 = spkiSHA256
            self.algorithm = algorithm
            self.bits = bits
        }
    }

    /// PEM labels that mark a private key.
    public static func format(forPEMLabel label: String) -> String? {
        switch label {
        case "PRIVATE KEY": return "pkcs8"
        case "RSA PRIVATE KEY", "DSA PRIVATE KEY": return "pkcs1"
        case "EC PRIVATE KEY": return "sec1"
        case "ENCRYPTED PRIVATE KEY": return "pkcs8-encrypted"
        default: return nil
        }
    }

    /// Inspects an unencrypted DER key of `format` (pkcs1, pkcs8 or sec1).
    public static func inspect(der: [UInt8], format: String) throws(OpenSSLError) -> Result {
        OpenSSLError.clearQueue()
        let key: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
        guard let key else { throw OpenSSLError.capture("reading \(format) private key", call: "d2i_AutoPrivateKey") }
        defer { EVP_PKEY_free(key) }
        guard let summary = PublicKeySummary(of: key) else {
            throw OpenSSLError.capture("deriving the public key", call: "i2d_PUBKEY")
        }
        return Result(format: format, encrypted: false, spkiSHA256: summary.spkiSHA256, algorithm: summary.algorithm, bits: summary.bits)
    }

    /// A key known to be encrypted: nothing more can be said without the passphrase.
    public static func encrypted(format: String) -> Result {
        Result(format: format, encrypted: true, spkiSHA256: nil, algorithm: nil, bits: nil)
    }
}
