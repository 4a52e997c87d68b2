public import Foundation
internal import COpenSSL

/// Message digests over OpenSSL's EVP interface.
public enum Digest {
    /// SHA-256 of `bytes` (32 bytes).
    public static func sha256(_ bytes: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                // EVP_Digest with SHA-256 cannot fail for in-memory input.
                _ = EVP_Digest(input.baseAddress, input.count, output.baseAddress?.assumingMemoryBound(to: UInt8.self),
                               nil, EVP_sha256(), nil)
            }
        }
        return out
    }

    /// Lower-case hex SHA-256, as stored in the inventory.
    public static func sha256Hex(_ bytes: some ContiguousBytes) -> String {
        Hex.encode(sha256(bytes))
    }
}

/// Lower-case hexadecimal without separators.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
