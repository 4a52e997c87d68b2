/// Why a DER certificate could not be read: a ``Code`` to match on and a
/// reason for people, naming the byte offset where the problem was seen.
///
/// Equality and hashing look only at ``code``, so tests can write
/// `#expect(throws: CertificateParseError(code: .truncated))`.
public struct CertificateParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A length runs past the end of its enclosing element or of the input.
        case truncated
        /// BER indefinite length (0x80), which DER forbids.
        case indefiniteLength
        /// A length field longer than 4 bytes, or a high-tag-number tag.
        case unsupportedEncoding
        /// An element had another tag than the structure requires.
        case unexpectedTag
        /// An element had the right tag but unusable content (bad time, empty INTEGER, bad version…).
        case invalidValue
        /// Bytes left over after the certificate or inside a structure.
        case trailingData
        /// A known extension whose content does not decode.
        case malformedExtension
    }

    public let code: Code
    public let reason: String

    public init(code: Code, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String {
        reason.isEmpty ? "certificate parse error: \(code.rawValue)" : "certificate parse error: \(code.rawValue): \(reason)"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
