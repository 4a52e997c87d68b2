internal import Foundation
internal import CLMCore
public import CLMCrypto

/// RFC 8555 §6.2 / RFC 7515: flattened JWS JSON serialization.
///
/// The protected header is written by hand so the `jwk` member is exactly
/// the key's canonical JSON and member order is stable.
public enum JWS {
    /// How the request identifies its signer (RFC 8555 §6.2): `jwk` for
    /// newAccount and revocation by certificate key, `kid` (the account URL)
    /// for everything else.
    public enum KeyIdentification: Sendable {
        case jwk
        case kid(String)
    }

    /// Signs `payload` (nil = POST-as-GET, an empty payload) for `url`.
    public static func sign(payload: [UInt8]?, url: String, nonce: String?, key: PrivateKey,
                            identification: KeyIdentification) throws(KeyError) -> [UInt8] {
        var header = #"{"alg":"\#(key.signatureAlgorithm.rawValue)""#
        switch identification {
        case .jwk: header += #","jwk":\#(try key.jwk().canonicalJSON)"#
        case .kid(let kid): header += #","kid":\#(jsonString(kid))"#
        }
        if let nonce { header += #","nonce":\#(jsonString(nonce))"# }
        header += #","url":\#(jsonString(url))}"#
        let protected = Base64URL.encode(header)
        let encodedPayload = payload.map { Base64URL.encode($0) } ?? ""
        let signature = try key.sign(Array("\(protected).\(encodedPayload)".utf8))
        return flattened(protected: protected, payload: encodedPayload, signature: Base64URL.encode(signature))
    }

    /// RFC 8555 §7.3.4: the external account binding, an HS256 JWS over the
    /// account's JWK, keyed by the CA-issued MAC key.
    public static func externalAccountBinding(accountKey: PrivateKey, keyID: String, macKey: [UInt8],
                                              url: String) throws(KeyError) -> [UInt8] {
        let header = #"{"alg":"HS256","kid":\#(jsonString(keyID)),"url":\#(jsonString(url))}"#
        let protected = Base64URL.encode(header)
        let payload = Base64URL.encode(try accountKey.jwk().canonicalJSON)
        let mac = try HMAC.sha256(key: macKey, data: Array("\(protected).\(payload)".utf8))
        return flattened(protected: protected, payload: payload, signature: Base64URL.encode(mac))
    }

    /// RFC 8555 §7.3.5: the inner JWS of a key change, signed by the new key.
    public static func keyChangeInner(newKey: PrivateKey, oldKey: PrivateKey, accountURL: String,
                                      url: String) throws(KeyError) -> [UInt8] {
        let payload = #"{"account":\#(jsonString(accountURL)),"oldKey":\#(try oldKey.jwk().canonicalJSON)}"#
        return try sign(payload: Array(payload.utf8), url: url, nonce: nil, key: newKey, identification: .jwk)
    }

    static func flattened(protected: String, payload: String, signature: String) -> [UInt8] {
        Array(#"{"protected":"\#(protected)","payload":"\#(payload)","signature":"\#(signature)"}"#.utf8)
    }

    /// A JSON string literal with the needed escapes.
    static func jsonString(_ value: String) -> String {
        let escapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"]
        return "\"" + SafeText.escaped(value, escapes) { String(format: "\\u%04x", $0.value) } + "\""
    }
}
