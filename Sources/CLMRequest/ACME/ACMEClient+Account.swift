internal import Foundation
public import CLMCrypto

/// External account binding credentials issued by the CA (RFC 8555 §7.3.4).
public struct ExternalAccountBinding: Sendable {
    public let keyID: String
    /// The MAC key, decoded from the CA's base64url text.
    public let macKey: [UInt8]

    public init(keyID: String, macKey: [UInt8]) {
        self.keyID = keyID
        self.macKey = macKey
    }

    /// Decodes the base64url (or base64) HMAC key text the CA handed out.
    public init?(keyID: String, macKeyBase64: String) {
        guard let key = Base64URL.decode(macKeyBase64), !key.isEmpty else { return nil }
        self.init(keyID: keyID, macKey: key)
    }
}

extension ACMEClient {
    private struct NewAccountPayload: Encodable {
        var contact: [String]?
        var termsOfServiceAgreed: Bool?
        var onlyReturnExisting: Bool?
        var externalAccountBinding: RawJSON?
    }

    /// Creates (or finds, if the key already has one) an account: RFC 8555 §7.3.
    /// Returns the account object and its URL.
    public func newAccount(key: PrivateKey, contact: [String], termsOfServiceAgreed: Bool,
                           externalAccountBinding: ExternalAccountBinding? = nil) async throws(ACMEError) -> (account: ACME.Account, credentials: AccountCredentials) {
        var payload = NewAccountPayload(contact: contact.isEmpty ? nil : contact, termsOfServiceAgreed: termsOfServiceAgreed)
        if let eab = externalAccountBinding {
            do {
                payload.externalAccountBinding = RawJSON(bytes: try JWS.externalAccountBinding(
                    accountKey: key, keyID: eab.keyID, macKey: eab.macKey, url: directory.newAccount))
            } catch {
                throw .crypto(error)
            }
        }
        let response = try await post(directory.newAccount, payload: Self.encode(payload), signer: .key(key), safeToRepeat: true)
        let account = try Self.decode(response, as: ACME.Account.self)
        return (account, AccountCredentials(key: key, url: try Self.location(response)))
    }

    /// Looks up the account of `key` without creating one (RFC 8555 §7.3.1).
    public func existingAccount(key: PrivateKey) async throws(ACMEError) -> (account: ACME.Account, credentials: AccountCredentials) {
        let payload = NewAccountPayload(onlyReturnExisting: true)
        let response = try await post(directory.newAccount, payload: Self.encode(payload), signer: .key(key), safeToRepeat: true)
        return (try Self.decode(response, as: ACME.Account.self), AccountCredentials(key: key, url: try Self.location(response)))
    }

    /// Fetches the account object (POST-as-GET to the account URL).
    public func account(_ credentials: AccountCredentials) async throws(ACMEError) -> ACME.Account {
        let response = try await post(credentials.url, payload: Array("{}".utf8), signer: .account(credentials), safeToRepeat: true)
        return try Self.decode(response, as: ACME.Account.self)
    }

    /// Replaces the account key (RFC 8555 §7.3.5); returns credentials with the new key.
    public func changeKey(_ credentials: AccountCredentials, to newKey: PrivateKey) async throws(ACMEError) -> AccountCredentials {
        let inner: [UInt8]
        do {
            inner = try JWS.keyChangeInner(newKey: newKey, oldKey: credentials.key, accountURL: credentials.url, url: directory.keyChange)
        } catch {
            throw .crypto(error)
        }
        _ = try await post(directory.keyChange, payload: inner, signer: .account(credentials), safeToRepeat: false)
        return AccountCredentials(key: newKey, url: credentials.url)
    }

    /// Deactivates the account for good (RFC 8555 §7.3.6).
    public func deactivate(_ credentials: AccountCredentials) async throws(ACMEError) -> ACME.Account {
        let response = try await post(credentials.url, payload: Array(#"{"status":"deactivated"}"#.utf8),
                                      signer: .account(credentials), safeToRepeat: true)
        return try Self.decode(response, as: ACME.Account.self)
    }
}

/// Pre-encoded JSON embedded as-is in an Encodable payload.
struct RawJSON: Encodable {
    let bytes: [UInt8]

    func encode(to encoder: any Encoder) throws {
        // JSONEncoder has no raw passthrough: decode to a generic value and re-encode.
        let value = try JSONDecoderShim.decodeAny(bytes)
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A minimal JSON value for re-encoding foreign JSON.
enum JSONValue: Codable {
    case string(String), number(Double), bool(Bool), object([String: JSONValue]), array([JSONValue]), null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let n = try? container.decode(Double.self) { self = .number(n) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let a = try? container.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .number(let n): try container.encode(n)
        case .bool(let b): try container.encode(b)
        case .object(let o): try container.encode(o)
        case .array(let a): try container.encode(a)
        case .null: try container.encodeNil()
        }
    }
}

enum JSONDecoderShim {
    static func decodeAny(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }
}
