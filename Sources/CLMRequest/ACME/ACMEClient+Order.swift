internal import Foundation
public import CLMCrypto

extension ACMEClient {
    private struct NewOrderPayload: Encodable {
        var identifiers: [ACME.Identifier]
        var replaces: String?
    }

    /// Places an order (RFC 8555 §7.4); `replaces` is the ARI certID of the
    /// certificate this one renews (RFC 9773 §5). Returns the order and its URL.
    public func newOrder(_ account: AccountCredentials, identifiers: [ACME.Identifier],
                         replaces: String? = nil) async throws(ACMEError) -> (order: ACME.Order, url: String) {
        let payload = NewOrderPayload(identifiers: identifiers, replaces: replaces)
        // Not repeated on server errors: a second newOrder could create a second order.
        let response = try await post(directory.newOrder, payload: Self.encode(payload), signer: .account(account), safeToRepeat: false)
        return (try Self.decode(response, as: ACME.Order.self), try Self.location(response))
    }

    /// Fetches an order (POST-as-GET).
    public func order(_ account: AccountCredentials, url: String) async throws(ACMEError) -> ACME.Order {
        try await fetchOrder(account, url: url).order
    }

    func fetchOrder(_ account: AccountCredentials, url: String) async throws(ACMEError) -> (order: ACME.Order, retryAfter: Duration?) {
        let response = try await post(url, payload: nil, signer: .account(account), safeToRepeat: true)
        return (try Self.decode(response, as: ACME.Order.self), RetryAfter.parse(response.header("Retry-After"), now: now()))
    }

    /// Fetches an authorization (POST-as-GET).
    public func authorization(_ account: AccountCredentials, url: String) async throws(ACMEError) -> ACME.Authorization {
        try await fetchAuthorization(account, url: url).authorization
    }

    func fetchAuthorization(_ account: AccountCredentials, url: String) async throws(ACMEError) -> (authorization: ACME.Authorization, retryAfter: Duration?) {
        let response = try await post(url, payload: nil, signer: .account(account), safeToRepeat: true)
        return (try Self.decode(response, as: ACME.Authorization.self), RetryAfter.parse(response.header("Retry-After"), now: now()))
    }

    /// Tells the CA the challenge is ready (RFC 8555 §7.5.1: POST `{}`).
    public func respond(_ account: AccountCredentials, to challenge: ACME.Challenge) async throws(ACMEError) -> ACME.Challenge {
        let response = try await post(challenge.url, payload: Array("{}".utf8), signer: .account(account), safeToRepeat: true)
        return try Self.decode(response, as: ACME.Challenge.self)
    }

    /// Deactivates an authorization (RFC 8555 §7.5.2), e.g. when abandoning an order.
    public func deactivateAuthorization(_ account: AccountCredentials, url: String) async throws(ACMEError) {
        _ = try await post(url, payload: Array(#"{"status":"deactivated"}"#.utf8), signer: .account(account), safeToRepeat: true)
    }

    /// The key authorization for a challenge token (RFC 8555 §8.1).
    public func keyAuthorization(token: String, accountKey: PrivateKey) throws(ACMEError) -> String {
        do {
            return "\(token).\(try accountKey.jwk().thumbprint)"
        } catch {
            throw .crypto(error)
        }
    }

    /// Polls an authorization until it leaves "pending" (RFC 8555 §7.5.1),
    /// honouring Retry-After. Returns the final object; does not throw on "invalid".
    public func pollAuthorization(_ account: AccountCredentials, url: String) async throws(ACMEError) -> ACME.Authorization {
        try await poll(url: url, what: { "validation of \($0.identifier)" }, fetch: { () async throws(ACMEError) in
            try await fetchAuthorization(account, url: url)
        }, settled: { authorization throws(ACMEError) in
            // RFC 8555 §7.1.6: "pending" is the only state from which an
            // authorization still moves on its own; every other one is final.
            switch authorization.status {
            case .pending: return nil
            case .valid, .invalid, .deactivated, .expired, .revoked: return authorization
            }
        })
    }

    /// Submits the CSR (RFC 8555 §7.4) and returns the order as the CA now sees it.
    public func finalize(_ account: AccountCredentials, order: ACME.Order, csrDER: [UInt8]) async throws(ACMEError) -> ACME.Order {
        let payload = #"{"csr":"\#(Base64URL.encode(csrDER))"}"#
        let response = try await post(order.finalize, payload: Array(payload.utf8), signer: .account(account), safeToRepeat: false)
        return try Self.decode(response, as: ACME.Order.self)
    }

    /// What polling should do with an order in a given state.
    enum OrderProgress {
        case done
        case wait
        case failed(Problem?)
    }

    static func progress(of order: ACME.Order, waitingFor target: ACME.Order.Status) -> OrderProgress {
        switch order.status {
        case .pending:
            // "pending": The server does not believe that the client has fulfilled the requirements.
            return target == .pending ? .done : .wait
        case .ready:
            // "ready": The server agrees that the requirements have been fulfilled, and is awaiting finalization.
            return target == .ready ? .done : (target == .valid ? .failed(Problem(type: "about:blank", detail: "order is ready but was not finalized")) : .wait)
        case .processing:
            // "processing": The certificate is being issued.
            return .wait
        case .valid:
            // "valid": The server has issued the certificate and provisioned its URL to the "certificate" field.
            return .done
        case .invalid:
            // "invalid": The certificate will not be issued.
            return .failed(order.error)
        }
    }

    /// Polls an order until it reaches `target` (ready or valid), honouring Retry-After.
    public func pollOrder(_ account: AccountCredentials, url: String, until target: ACME.Order.Status) async throws(ACMEError) -> ACME.Order {
        try await poll(url: url, what: { "order (status \($0.status.rawValue))" }, fetch: { () async throws(ACMEError) in
            try await fetchOrder(account, url: url)
        }, settled: { order throws(ACMEError) in
            switch Self.progress(of: order, waitingFor: target) {
            case .done: return order
            case .failed(let problem): throw .orderFailed(url: url, problem: problem)
            case .wait: return nil
            }
        })
    }

    /// The one polling loop: wait, fetch, let `settled` decide (a value
    /// ends the loop, nil polls again) and wait as Retry-After says, else
    /// by the backoff, until `polling.deadline` (`what` names the object then).
    func poll<Object>(url: String, what: (Object) -> String, fetch: () async throws(ACMEError) -> (Object, Duration?),
                      settled: (Object) throws(ACMEError) -> Object?) async throws(ACMEError) -> Object {
        let clock = ContinuousClock()
        let start = clock.now
        var attempt = 0
        var wait = polling.initialDelay
        while true {
            try await Self.sleep(wait)
            let (object, retryAfter) = try await fetch()
            if let final = try settled(object) { return final }
            attempt += 1
            wait = retryAfter ?? polling.delay(attempt: attempt)
            if clock.now - start + wait > polling.deadline {
                throw .timedOut(what: what(object), url: url, after: polling.deadline)
            }
        }
    }
}
