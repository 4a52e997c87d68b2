public import Foundation
public import CLMHTTP
public import CLMCrypto

/// An account as the client needs it to sign requests: the key and the
/// account URL (the JWS `kid`).
///
/// - Warning: holds the account's private key.
public struct AccountCredentials: Sendable {
    public let key: PrivateKey
    public let url: String

    public init(key: PrivateKey, url: String) {
        self.key = key
        self.url = url
    }
}

/// A low-level RFC 8555 client: values in, values out.
///
/// It holds the directory, a nonce pool and an HTTP client, but no account
/// or order state: every call names the account and the resource it acts
/// on. Nonces, JWS signing, badNonce retries and polling stay inside.
public final class ACMEClient: Sendable {
    public let directoryURL: String
    public let directory: ACME.Directory
    public let http: HTTPClient
    public let polling: PollingPolicy
    public let retry: RetryPolicy
    let nonces = NoncePool()
    let now: @Sendable () -> Date

    init(directoryURL: String, directory: ACME.Directory, http: HTTPClient, polling: PollingPolicy, retry: RetryPolicy,
         now: @escaping @Sendable () -> Date) {
        self.directoryURL = directoryURL
        self.directory = directory
        self.http = http
        self.polling = polling
        self.retry = retry
        self.now = now
    }

    /// Fetches the directory (RFC 8555 §7.1.1) and returns a client for it.
    public static func connect(directoryURL: String, http: HTTPClient, polling: PollingPolicy = PollingPolicy(),
                               retry: RetryPolicy = RetryPolicy(),
                               now: @escaping @Sendable () -> Date = { Date() }) async throws(ACMEError) -> ACMEClient {
        let response = try await send(http, HTTPRequest(.get, directoryURL))
        guard response.status == 200 else {
            throw .unexpectedResponse(url: directoryURL, status: response.status,
                                      why: "the directory should answer 200; is this an ACME directory URL?")
        }
        let directory: ACME.Directory = try decode(response, as: ACME.Directory.self)
        return ACMEClient(directoryURL: directoryURL, directory: directory, http: http, polling: polling, retry: retry, now: now)
    }

    // MARK: transport

    static func send(_ http: HTTPClient, _ request: HTTPRequest) async throws(ACMEError) -> HTTPResponse {
        do {
            return try await http.send(request)
        } catch let error as HTTPError {
            throw .http(error)
        } catch {
            throw .unexpectedResponse(url: request.url, status: 0, why: "\(error)")
        }
    }

    static func decode<T: Decodable>(_ response: HTTPResponse, as type: T.Type) throws(ACMEError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            let snippet = String(response.bodyText.prefix(200))
            throw .unexpectedResponse(url: response.url, status: response.status,
                                      why: "cannot decode \(T.self): \(error) (body starts: \(snippet))")
        }
    }

    /// A fresh nonce from the pool, or from newNonce (RFC 8555 §7.2).
    func nonce() async throws(ACMEError) -> String {
        if let nonce = nonces.take() { return nonce }
        let response = try await Self.send(http, HTTPRequest(.head, directory.newNonce))
        guard let nonce = response.header("Replay-Nonce") else {
            throw .unexpectedResponse(url: directory.newNonce, status: response.status, why: "no Replay-Nonce header")
        }
        return nonce
    }

    /// Who signs a request.
    enum Signer {
        case account(AccountCredentials)
        case key(PrivateKey)

        var key: PrivateKey {
            switch self {
            case .account(let account): return account.key
            case .key(let key): return key
            }
        }

        var identification: JWS.KeyIdentification {
            switch self {
            case .account(let account): return .kid(account.url)
            case .key: return .jwk
            }
        }
    }

    /// POSTs a signed request (nil payload = POST-as-GET, RFC 8555 §6.3).
    ///
    /// badNonce: retried with the nonce the refusal carried, up to
    /// ``RetryPolicy/badNonceRetries`` times. rateLimited, serverInternal and
    /// 503: retried only when `safeToRepeat`, after Retry-After or a backoff.
    /// Any other problem document becomes ``ACMEError/problem(_:method:url:status:)``.
    func post(_ url: String, payload: [UInt8]?, signer: Signer, safeToRepeat: Bool,
              accept: String? = nil) async throws(ACMEError) -> HTTPResponse {
        var badNonceLeft = retry.badNonceRetries
        var serverLeft = retry.serverRetries
        var backoff = retry.serverBackoff
        while true {
            let nonce = try await nonce()
            let body: [UInt8]
            do {
                body = try JWS.sign(payload: payload, url: url, nonce: nonce, key: signer.key, identification: signer.identification)
            } catch {
                throw .crypto(error)
            }
            var headers: [(name: String, value: String)] = [("Content-Type", "application/jose+json")]
            if let accept { headers.append(("Accept", accept)) }
            let response = try await Self.send(http, HTTPRequest(.post, url, headers: headers, body: body))
            if let fresh = response.header("Replay-Nonce") { nonces.put(fresh) }
            if (200..<300).contains(response.status) { return response }

            let problem = (try? JSONDecoder().decode(Problem.self, from: Data(response.body)))
                ?? Problem(type: "about:blank", detail: "HTTP \(response.status) without a problem document: \(response.bodyText.prefix(200))",
                           status: response.status)
            if problem.isBadNonce && badNonceLeft > 0 {
                badNonceLeft -= 1
                continue
            }
            if safeToRepeat && serverLeft > 0 && (problem.isRateLimited || problem.isServerInternal || response.status == 503) {
                let asked = RetryAfter.parse(response.header("Retry-After"), now: now())
                if let asked, asked > retry.maximumRetryAfter {
                    throw .problem(problem, method: "POST", url: url, status: response.status)
                }
                serverLeft -= 1
                try await Self.sleep(asked ?? backoff)
                backoff = backoff * 2
                continue
            }
            throw .problem(problem, method: "POST", url: url, status: response.status)
        }
    }

    static func sleep(_ duration: Duration) async throws(ACMEError) {
        do {
            try await Task.sleep(for: duration)
        } catch {
            throw .invalidInput("cancelled")
        }
    }

    static func location(_ response: HTTPResponse) throws(ACMEError) -> String {
        guard let location = response.header("Location") else {
            throw .unexpectedResponse(url: response.url, status: response.status, why: "no Location header")
        }
        return location
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own plain structs cannot fail.
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}
