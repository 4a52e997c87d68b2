internal import Foundation
internal import CLMCore
internal import COpenSSL
internal import CShims

/// A private key (EC P-256/P-384 or RSA) held in an OpenSSL `EVP_PKEY`.
///
/// Used for ACME account keys (JWS signing) and certificate keys (CSRs).
/// The description never shows key material, only the type and the
/// SHA-256 of the public key.
///
/// - Warning: ``pemPKCS8()`` and ``write(to:)`` expose the secret; write keys
///   only with ``write(to:)`` (mode 0600) and never log them.
public final class PrivateKey: CustomStringConvertible {
    let pkey: OpaquePointer
    /// What kind of key this is (decided once, at load or generation).
    public let keyType: KeyType

    private init(owning pkey: OpaquePointer) throws(KeyError) {
        self.pkey = pkey
        let base = EVP_PKEY_get_base_id(pkey)
        let bits = EVP_PKEY_get_bits(pkey)
        switch (base, bits) {
        case (EVP_PKEY_EC, 256): keyType = .ecP256
        case (EVP_PKEY_EC, 384): keyType = .ecP384
        case (EVP_PKEY_RSA, 2048): keyType = .rsa2048
        case (EVP_PKEY_RSA, 3072): keyType = .rsa3072
        case (EVP_PKEY_RSA, 4096): keyType = .rsa4096
        case (EVP_PKEY_RSA, let b) where b > 2048:
            keyType = .rsa4096 // sizes between are accepted and treated as RSA
        default:
            EVP_PKEY_free(pkey)
            throw .unsupportedKey("type \(base), \(bits) bits")
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Generates a fresh key. RSA takes 0.1–2 s: call it off latency-critical paths.
    public static func generate(_ type: KeyType) throws(KeyError) -> PrivateKey {
        OpenSSLError.clearQueue()
        let raw: OpaquePointer?
        switch type {
        case .ecP256: raw = clm_keygen_ec("P-256")
        case .ecP384: raw = clm_keygen_ec("P-384")
        case .rsa2048: raw = clm_keygen_rsa(2048)
        case .rsa3072: raw = clm_keygen_rsa(3072)
        case .rsa4096: raw = clm_keygen_rsa(4096)
        }
        guard let raw else { throw .openSSL(.capture("generating a \(type) key", call: "EVP_PKEY_Q_keygen")) }
        return try PrivateKey(owning: raw)
    }

    /// Reads a key from PEM (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY",
    /// SEC1 "EC PRIVATE KEY") or DER (any of the three). `source` names the
    /// origin (a path) for error messages.
    public convenience init(bytes: [UInt8], source: String = "memory") throws(KeyError) {
        OpenSSLError.clearQueue()
        let looksPEM = bytes.starts(with: Array("-----".utf8)) || String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN")
        var raw: OpaquePointer?
        if looksPEM {
            raw = bytes.withUnsafeBytes { buffer -> OpaquePointer? in
                guard let length = Int32(exactly: buffer.count), let bio = BIO_new_mem_buf(buffer.baseAddress, length) else { return nil }
                defer { BIO_free(bio) }
                // Never prompt: an encrypted key fails instead of waiting on /dev/tty.
                return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
            }
            if raw == nil { throw .unreadableKey(source: source, .capture("reading a PEM private key", call: "PEM_read_bio_PrivateKey")) }
        } else {
            raw = bytes.withUnsafeBytes { buffer -> OpaquePointer? in
                var p = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
                return d2i_AutoPrivateKey(nil, &p, buffer.count)
            }
            if raw == nil { throw .unreadableKey(source: source, .capture("reading a DER private key", call: "d2i_AutoPrivateKey")) }
        }
        guard let raw else { throw .unsupportedKey("unreadable") }
        try self.init(owning: raw)
    }

    /// Reads a key file (PEM or DER).
    public convenience init(contentsOf path: String) throws(KeyError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .file(path: path, operation: "read", errno: errno == 0 ? ENOENT : errno)
        }
        try self.init(bytes: Array(data), source: path)
    }

    /// The key as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    /// - Warning: secret material.
    public func pemPKCS8() throws(KeyError) -> String {
        OpenSSLError.clearQueue()
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSL(.capture("allocating a buffer", call: "BIO_new")) }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PKCS8PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            throw .openSSL(.capture("encoding the private key", call: "PEM_write_bio_PKCS8PrivateKey"))
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = clm_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// Writes the key as PKCS#8 PEM with mode 0600, atomically (temp file + rename);
    /// the parent directory must exist.
    public func write(to path: String) throws(KeyError) {
        let pem = try pemPKCS8()
        try SecretFile.write(Array(pem.utf8), to: path)
    }

    /// The public key as SubjectPublicKeyInfo DER (the same bytes a
    /// certificate for this key carries).
    public func publicKeyDER() throws(KeyError) -> [UInt8] {
        OpenSSLError.clearQueue()
        let length = i2d_PUBKEY(pkey, nil)
        guard length > 0 else { throw .openSSL(.capture("encoding the public key", call: "i2d_PUBKEY")) }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var p = buffer.baseAddress
            return i2d_PUBKEY(pkey, &p)
        }
        guard written == length else { throw .openSSL(.capture("encoding the public key", call: "i2d_PUBKEY")) }
        return out
    }

    /// Lower-case hex SHA-256 of the SPKI DER: equal to the SPKI hash of any
    /// certificate issued for this key.
    public func publicKeySHA256Hex() throws(KeyError) -> String {
        Digest.sha256Hex(try publicKeyDER())
    }

    /// The JWS algorithm this key signs with.
    public var signatureAlgorithm: JWSAlgorithm {
        switch keyType {
        case .ecP256: return .es256
        case .ecP384: return .es384
        case .rsa2048, .rsa3072, .rsa4096: return .rs256
        }
    }

    /// Signs `data` as JWS needs it: ES256/ES384 give raw r‖s, RS256 gives
    /// the PKCS#1 v1.5 signature.
    public func sign(_ data: [UInt8]) throws(KeyError) -> [UInt8] {
        OpenSSLError.clearQueue()
        guard let ctx = EVP_MD_CTX_new() else { throw .openSSL(.capture("signing", call: "EVP_MD_CTX_new")) }
        defer { EVP_MD_CTX_free(ctx) }
        let md = keyType == .ecP384 ? EVP_sha384() : EVP_sha256()
        guard EVP_DigestSignInit(ctx, nil, md, nil, pkey) == 1 else {
            throw .openSSL(.capture("signing with a \(keyType) key", call: "EVP_DigestSignInit"))
        }
        var length = 0
        let sized = data.withUnsafeBufferPointer { EVP_DigestSign(ctx, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1 else { throw .openSSL(.capture("signing with a \(keyType) key", call: "EVP_DigestSign")) }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = data.withUnsafeBufferPointer { input in
            signature.withUnsafeMutableBufferPointer { EVP_DigestSign(ctx, $0.baseAddress, &length, input.baseAddress, input.count) }
        }
        guard signed == 1 else { throw .openSSL(.capture("signing with a \(keyType) key", call: "EVP_DigestSign")) }
        signature.removeSubrange(length...)
        guard keyType.isEC else { return signature }
        return try Self.rawECDSA(der: signature, size: keyType == .ecP256 ? 32 : 48)
    }

    /// DER ECDSA-Sig-Value → fixed-width r‖s (RFC 7518 §3.4).
    static func rawECDSA(der: [UInt8], size: Int) throws(KeyError) -> [UInt8] {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var p = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &p, buffer.count)
        }
        guard let sig = parsed else { throw .openSSL(.capture("converting an ECDSA signature", call: "d2i_ECDSA_SIG")) }
        defer { ECDSA_SIG_free(sig) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(sig, &r, &s)
        var out = [UInt8](repeating: 0, count: size * 2)
        let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return BN_bn2binpad(r, base, Int32(size)) == Int32(size) && BN_bn2binpad(s, base + size, Int32(size)) == Int32(size)
        }
        guard ok else { throw .openSSL(.capture("converting an ECDSA signature", call: "BN_bn2binpad")) }
        return out
    }

    /// Reads one big-number parameter ("n", "e") of the key as unsigned big-endian bytes.
    func bigNumberParameter(_ name: String) throws(KeyError) -> [UInt8] {
        var bn: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, let bn else {
            throw .openSSL(.capture("reading key parameter \(name)", call: "EVP_PKEY_get_bn_param"))
        }
        defer { BN_free(bn) }
        let count = (BN_num_bits(bn) + 7) / 8
        var out = [UInt8](repeating: 0, count: Int(count))
        _ = BN_bn2bin(bn, &out)
        return out
    }

    /// The uncompressed EC public point 0x04‖X‖Y.
    func encodedPublicPoint() throws(KeyError) -> [UInt8] {
        var length = 0
        guard EVP_PKEY_get_octet_string_param(pkey, "encoded-pub-key", nil, 0, &length) == 1 else {
            throw .openSSL(.capture("reading the EC public point", call: "EVP_PKEY_get_octet_string_param"))
        }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_octet_string_param(pkey, "encoded-pub-key", &out, length, &length) == 1 else {
            throw .openSSL(.capture("reading the EC public point", call: "EVP_PKEY_get_octet_string_param"))
        }
        return Array(out.prefix(length))
    }

    public var description: String {
        let fingerprint = (try? publicKeySHA256Hex()).map { String($0.prefix(16)) } ?? "?"
        return "PrivateKey(\(keyType), spki-sha256 \(fingerprint)…)"
    }
}

// PrivateKey holds only `let` fields; the EVP_PKEY is never mutated after
// creation, and OpenSSL 3 allows concurrent read-only use of one EVP_PKEY
// (each sign call makes its own EVP_MD_CTX). It is therefore Sendable.
extension PrivateKey: @unchecked Sendable {}

/// Writing secret files: mode 0600 from the first byte, then rename into place.
public enum SecretFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(KeyError) {
        do { try AtomicFile.write(bytes, to: path, mode: 0o600) } catch {
            throw .file(path: error.path, operation: error.operation, errno: error.errno)
        }
    }

    /// Creates a directory (and missing parents) with mode 0700, or checks
    /// the existing one. The last component is opened with O_NOFOLLOW and
    /// checked on the open descriptor: a symlink or a directory owned by
    /// another user (planted in a once-lax state dir) is refused, never
    /// written through or chmod'ed. Callers create each level in turn.
    public static func makePrivateDirectory(_ path: String) throws(KeyError) {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, !FileManager.default.fileExists(atPath: parent) {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                let code = (error as NSError).userInfo[NSUnderlyingErrorKey].flatMap { ($0 as? NSError)?.code }.map(Int32.init) ?? EACCES
                throw .file(path: parent, operation: "create directory", errno: code)
            }
        }
        if mkdir(path, 0o700) != 0, errno != EEXIST { throw .file(path: path, operation: "create directory", errno: errno) }
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw .file(path: path, operation: code == ELOOP || code == ENOTDIR ? "use (a symlink or not a directory; refused)" : "open directory",
                        errno: code)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .file(path: path, operation: "stat", errno: errno) }
        guard info.st_uid == geteuid() || info.st_uid == 0 else {
            throw .file(path: path, operation: "use (owned by uid \(info.st_uid), not by this user or root; refused)", errno: EPERM)
        }
        guard fchmod(descriptor, 0o700) == 0 else { throw .file(path: path, operation: "make private (chmod 0700)", errno: errno) }
    }
}
