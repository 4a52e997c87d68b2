internal import Foundation

/// Failures of key, CSR and certificate handling.
public enum KeyError: Error, Sendable, CustomStringConvertible {
    /// OpenSSL refused an operation; the queue was drained at that moment.
    case openSSL(OpenSSLError)
    /// The bytes were not a private key in any form clm reads.
    case unreadableKey(source: String, OpenSSLError)
    /// A key type clm cannot sign JWS with (e.g. Ed25519, DSA, EC on another curve).
    case unsupportedKey(String)
    /// An identifier that cannot go into a CSR.
    case invalidIdentifier(String)
    /// A file could not be read or written.
    case file(path: String, operation: String, errno: Int32)
    /// Bytes that should be a certificate are not.
    case unreadableCertificate(String)

    public var description: String {
        switch self {
        case .openSSL(let error):
            return error.description
        case .unreadableKey(let source, let error):
            return "cannot read a private key from \(source) (PEM or DER, PKCS#1, PKCS#8 or SEC1, unencrypted): \(error)"
        case .unsupportedKey(let what):
            return "unsupported key: \(what) (use EC P-256, EC P-384 or RSA ≥ 2048)"
        case .invalidIdentifier(let name):
            return "'\(name)' is not a valid DNS name or IP address for a certificate request"
        case .file(let path, let operation, let code):
            return "cannot \(operation) \(path): \(String(cString: strerrorText(code)))"
        case .unreadableCertificate(let why):
            return "cannot read certificate: \(why)"
        }
    }
}


func strerrorText(_ code: Int32) -> UnsafeMutablePointer<CChar> { strerror(code) }
