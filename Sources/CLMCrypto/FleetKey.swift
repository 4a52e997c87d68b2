internal import Foundation
internal import COpenSSL

/// The fleet key: 32 bytes in a 0600 file named in the config. A private key
/// travels through the shared inventory only sealed under it, with
/// AES-256-GCM, bound to the row it belongs to (the context, e.g. the
/// certificate's name and fingerprint, is authenticated data: a sealed key
/// moved to another row does not open). A host without the fleet key can only
/// deploy certificates whose keys it holds itself.
public struct FleetKey: Sendable {
    private let bytes: [UInt8]

    /// First 8 bytes of SHA-256 of the key, in hex: names the key in sealed
    /// values and errors ("sealed under fleet key 3fa1…, this host has 9c04…"),
    /// never the key itself.
    public let identifier: String

    public static let size = 32
    static let magic = Array("CLMF1".utf8)
    static let nonceSize = 12
    static let tagSize = 16

    public init(bytes: [UInt8]) throws(FleetKeyError) {
        guard bytes.count == Self.size else { throw .wrongLength(path: nil, found: bytes.count) }
        self.bytes = bytes
        identifier = Digest.sha256Hex(bytes).prefix(16).description
    }

    /// A new random key (`clm fleet keygen` writes it 0600).
    public static func generate() throws(FleetKeyError) -> FleetKey {
        var bytes = [UInt8](repeating: 0, count: size)
        guard RAND_bytes(&bytes, Int32(size)) == 1 else { throw .openssl(.capture("generating a fleet key", call: "RAND_bytes")) }
        return try FleetKey(bytes: bytes)
    }

    /// Reads a key file: 32 raw bytes, or their base64 or hex on one line.
    /// The file must not be readable by group or others, like an SSH key.
    public static func load(path: String) throws(FleetKeyError) -> FleetKey {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        guard info.st_mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: UInt32(info.st_mode & 0o777)) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path, reason: "cannot read the file") }
        let raw = [UInt8](data)
        if raw.count == size { return try FleetKey(bytes: raw) }
        let text = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let decoded = Data(base64Encoded: text), decoded.count == size { return try FleetKey(bytes: [UInt8](decoded)) }
        if text.count == size * 2, let decoded = Self.hex(text) { return try FleetKey(bytes: decoded) }
        throw .wrongLength(path: path, found: raw.count)
    }

    /// `CLMF1 | key id (8) | nonce (12) | ciphertext | tag (16)`.
    public func seal(_ plaintext: [UInt8], context: String) throws(FleetKeyError) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: Self.nonceSize)
        guard RAND_bytes(&nonce, Int32(nonce.count)) == 1 else { throw .openssl(.capture("sealing with the fleet key", call: "RAND_bytes")) }
        let (ciphertext, tag) = try crypt(encrypt: true, plaintext, nonce: nonce, context: context, tag: nil)
        return Self.magic + Array(Digest.sha256(bytes).prefix(8)) + nonce + ciphertext + tag
    }

    public func open(_ sealed: [UInt8], context: String) throws(FleetKeyError) -> [UInt8] {
        let header = Self.magic.count + 8 + Self.nonceSize
        guard sealed.count >= header + Self.tagSize, Array(sealed.prefix(Self.magic.count)) == Self.magic else { throw .notSealed }
        let keyID = Array(sealed[Self.magic.count..<(Self.magic.count + 8)])
        guard keyID == Array(Digest.sha256(bytes).prefix(8)) else {
            throw .otherKey(sealedWith: keyID.map { String(format: "%02x", $0) }.joined(), have: identifier)
        }
        let nonce = Array(sealed[(Self.magic.count + 8)..<header])
        let ciphertext = Array(sealed[header..<(sealed.count - Self.tagSize)])
        let tag = Array(sealed.suffix(Self.tagSize))
        return try crypt(encrypt: false, ciphertext, nonce: nonce, context: context, tag: tag).output
    }

    private func crypt(encrypt: Bool, _ input: [UInt8], nonce: [UInt8], context: String,
                       tag expected: [UInt8]?) throws(FleetKeyError) -> (output: [UInt8], tag: [UInt8]) {
        let operation = encrypt ? "sealing with the fleet key" : "opening with the fleet key"
        OpenSSLError.clearQueue()
        guard let ctx = EVP_CIPHER_CTX_new() else { throw .openssl(.capture(operation, call: "EVP_CIPHER_CTX_new")) }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let aad = Array(context.utf8)
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var length: Int32 = 0
        var total = 0
        let initialise = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        guard initialise(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, Int32(nonce.count), nil) == 1,
              initialise(ctx, nil, nil, bytes, nonce) == 1 else {
            throw .openssl(.capture(operation, call: "EVP_CipherInit_ex"))
        }
        let update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate
        guard aad.isEmpty || update(ctx, nil, &length, aad, Int32(aad.count)) == 1 else {
            throw .openssl(.capture(operation, call: "EVP_CipherUpdate (AAD)"))
        }
        guard input.isEmpty || update(ctx, &output, &length, input, Int32(input.count)) == 1 else {
            throw .openssl(.capture(operation, call: "EVP_CipherUpdate"))
        }
        total = Int(length)
        var tag = expected ?? [UInt8](repeating: 0, count: Self.tagSize)
        if !encrypt, EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagSize), &tag) != 1 {
            throw .openssl(.capture(operation, call: "EVP_CIPHER_CTX_ctrl (tag)"))
        }
        let finished = output.withUnsafeMutableBufferPointer { buffer in
            (encrypt ? EVP_EncryptFinal_ex : EVP_DecryptFinal_ex)(ctx, buffer.baseAddress! + total, &length)
        }
        guard finished == 1 else {
            OpenSSLError.clearQueue()
            if encrypt { throw .openssl(.capture(operation, call: "EVP_EncryptFinal_ex")) }
            throw .authenticationFailed
        }
        total += Int(length)
        if encrypt, EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagSize), &tag) != 1 {
            throw .openssl(.capture(operation, call: "EVP_CIPHER_CTX_ctrl (tag)"))
        }
        return (Array(output.prefix(total)), tag)
    }

    private static func hex(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}

public enum FleetKeyError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case tooOpen(path: String, mode: UInt32)
    case wrongLength(path: String?, found: Int)
    case notSealed
    case otherKey(sealedWith: String, have: String)
    /// Wrong key, wrong context (moved to another row) or altered bytes: GCM's tag says no.
    case authenticationFailed
    case openssl(OpenSSLError)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "fleet key \(path): \(reason)"
        case let .tooOpen(path, mode):
            return "fleet key \(path) is readable by others (mode \(String(mode, radix: 8))): chmod 600 \(path)"
        case let .wrongLength(path, found):
            return "fleet key\(path.map { " " + $0 } ?? ""): \(found) bytes; a fleet key is 32 random bytes (raw, base64 or hex)"
        case .notSealed: return "the stored key is not sealed by clm's fleet key format"
        case let .otherKey(sealedWith, have):
            return "the stored key is sealed under fleet key \(sealedWith), this host has \(have): use the fleet's key file"
        case .authenticationFailed:
            return "the stored key does not open under the fleet key: it was altered or belongs to another certificate"
        case let .openssl(error): return error.description
        }
    }
}
