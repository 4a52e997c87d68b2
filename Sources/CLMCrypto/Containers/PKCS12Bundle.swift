internal import COpenSSL
internal import CShims

/// The contents of a PKCS#12 (`.p12`, `.pfx`) file.
public struct PKCS12Bundle: Sendable {
    /// Leaf first (the one matching the key, when there is a key), then the rest.
    public let certificates: [[UInt8]]
    /// SHA-256 of the bundled private key's SubjectPublicKeyInfo, if any.
    public let keySPKISHA256: String?
    public let keyAlgorithm: String?
    public let keyBits: Int?

    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The MAC did not verify without a password, and none was given.
        case passwordNeeded
        /// None of the `count` passwords given opened the file.
        case noPasswordWorked(count: Int)
        case malformed(OpenSSLError)
        /// The file asks for more key-derivation rounds than any real tool writes.
        case tooManyIterations(Int)

        public var description: String {
            switch self {
            case .passwordNeeded: return "PKCS#12 is password protected (password needed; pass --pkcs12-password-file)"
            case .noPasswordWorked(let count):
                return "PKCS#12 is password protected and none of the \(count) password\(count == 1 ? "" : "s") in --pkcs12-password-file opened it"
            case .malformed(let error): return "not a readable PKCS#12 file: \(error)"
            case .tooManyIterations(let count): return "PKCS#12 asks for \(count) key-derivation iterations (over \(PKCS12Bundle.maxIterations)); file skipped"
            }
        }
    }

    /// Real files use 1 to a few hundred thousand rounds.
    public static let maxIterations = 1_000_000

    /// Opens the bundle, trying no password, the empty password, then each
    /// of `passwords` in turn.
    public static func open(_ bytes: [UInt8], passwords: [String]) throws(Failure) -> PKCS12Bundle {
        OpenSSLError.clearQueue()
        let p12: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let length = Int32(exactly: raw.count), let bio = BIO_new_mem_buf(raw.baseAddress, length) else { return nil }
            defer { BIO_free(bio) }
            return d2i_PKCS12_bio(bio, nil)
        }
        guard let p12 else { throw .malformed(OpenSSLError.capture("reading PKCS#12", call: "d2i_PKCS12_bio")) }
        defer { PKCS12_free(p12) }
        // Each password tried re-derives the MAC key with the file's own
        // iteration count: a hostile file could stall the scan for hours.
        let macCost = clm_PKCS12_max_iterations(p12, nil, 0)
        if macCost > maxIterations { throw .tooManyIterations(macCost) }

        var candidates: [String?] = [nil, ""]
        candidates.append(contentsOf: passwords.map { Optional($0) })
        for password in candidates {
            let verified: Bool
            if PKCS12_mac_present(p12) == 0 {
                verified = true
            } else if let password {
                verified = PKCS12_verify_mac(p12, password, Int32(password.utf8.count)) == 1
            } else {
                verified = PKCS12_verify_mac(p12, nil, 0) == 1
            }
            guard verified else { continue }
            // Without a MAC (or past it) the bags carry their own counts:
            // check every one before PKCS12_parse derives any key.
            let cost = clm_PKCS12_max_iterations(p12, password, maxIterations)
            if cost > maxIterations { throw .tooManyIterations(cost) }
            var key: OpaquePointer?
            var certificate: OpaquePointer?
            var chain: OpaquePointer?
            let ok = PKCS12_parse(p12, password, &key, &certificate, &chain)
            defer {
                if let key { EVP_PKEY_free(key) }
                if let certificate { X509_free(certificate) }
                if let chain { clm_sk_X509_pop_free(chain) }
            }
            guard ok == 1 else { continue }
            var certificates: [[UInt8]] = []
            if let certificate, let der = X509DER.encode(certificate) { certificates.append(der) }
            if let chain {
                for index in 0..<clm_sk_X509_num(chain) {
                    if let item = clm_sk_X509_value(chain, index), let der = X509DER.encode(item) { certificates.append(der) }
                }
            }
            let summary = key.flatMap { PublicKeySummary(of: $0) }
            OpenSSLError.clearQueue()
            return PKCS12Bundle(certificates: certificates, keySPKISHA256: summary?.spkiSHA256,
                                keyAlgorithm: summary?.algorithm, keyBits: summary?.bits)
        }
        OpenSSLError.clearQueue()
        throw passwords.isEmpty ? .passwordNeeded : .noPasswordWorked(count: passwords.count)
    }
}
