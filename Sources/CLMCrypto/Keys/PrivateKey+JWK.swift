/// A public key as a JSON Web Key (RFC 7517), with its RFC 7638 thumbprint.
///
/// Members are kept as base64url strings; ``canonicalJSON`` orders the
/// required members lexicographically with no whitespace, which is both the
/// thumbprint input and a valid `jwk` header value.
public struct JWK: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case ec(crv: String, x: String, y: String)
        case rsa(n: String, e: String)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    /// The required members in lexicographic order, no whitespace (RFC 7638 §3).
    public var canonicalJSON: String {
        switch kind {
        case .ec(let crv, let x, let y):
            return #"{"crv":"\#(crv)","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        case .rsa(let n, let e):
            return #"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#
        }
    }

    /// base64url(SHA-256(canonical JSON)) (RFC 7638 §3).
    public var thumbprint: String {
        Base64URL.encode(Digest.sha256(Array(canonicalJSON.utf8)))
    }
}

extension PrivateKey {
    /// The public half as a JWK.
    public func jwk() throws(KeyError) -> JWK {
        switch keyType {
        case .ecP256, .ecP384:
            let point = try encodedPublicPoint()
            let size = keyType == .ecP256 ? 32 : 48
            guard point.count == 1 + 2 * size, point.first == 0x04 else {
                throw .unsupportedKey("EC public point of \(point.count) bytes")
            }
            let x = Base64URL.encode(point[1...size])
            let y = Base64URL.encode(point[(1 + size)...])
            return JWK(.ec(crv: keyType == .ecP256 ? "P-256" : "P-384", x: x, y: y))
        case .rsa2048, .rsa3072, .rsa4096:
            return JWK(.rsa(n: Base64URL.encode(try bigNumberParameter("n")),
                            e: Base64URL.encode(try bigNumberParameter("e"))))
        }
    }
}
