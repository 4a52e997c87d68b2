import Foundation
import Testing
import CLMCrypto
@testable import CLMRequest

@Suite("ACME wire format")
struct ACMEWireFormatTests {
    @Test("the RFC 7638 §3.1 example key has the RFC's thumbprint")
    func rfc7638Thumbprint() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let jwk = JWK(.rsa(n: n, e: "AQAB"))
        #expect(jwk.canonicalJSON.hasPrefix(#"{"e":"AQAB","kty":"RSA","n":"0vx7"#))
        #expect(jwk.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test("an EC JWK lists crv, kty, x, y in order and the coordinates have the curve's size")
    func ecJWK() throws {
        for (type, size) in [(KeyType.ecP256, 32), (.ecP384, 48)] {
            let key = try PrivateKey.generate(type)
            guard case .ec(let crv, let x, let y) = try key.jwk().kind else {
                Issue.record("not EC")
                continue
            }
            #expect(crv == (type == .ecP256 ? "P-256" : "P-384"))
            #expect(Base64URL.decode(x)?.count == size)
            #expect(Base64URL.decode(y)?.count == size)
            #expect(try key.jwk().canonicalJSON.hasPrefix(#"{"crv":"#))
        }
    }

    @Test("a JWS has a protected header with alg, kid or jwk, nonce and url, and a raw-size signature")
    func jwsShape() throws {
        let key = try PrivateKey.generate(.ecP256)
        let body = try JWS.sign(payload: Array("{}".utf8), url: "https://ca.test/new-order", nonce: "n1", key: key, identification: .kid("https://ca.test/acct/1"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        let protectedText = try #require(object["protected"])
        let header = try #require(Base64URL.decode(protectedText))
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(header)) as? [String: String])
        #expect(fields == ["alg": "ES256", "kid": "https://ca.test/acct/1", "nonce": "n1", "url": "https://ca.test/new-order"])
        let signature = try #require(object["signature"])
        #expect(Base64URL.decode(signature)?.count == 64)
        let p384 = try JWS.sign(payload: nil, url: "u", nonce: "n", key: try PrivateKey.generate(.ecP384), identification: .jwk)
        let p384Object = try #require(try JSONSerialization.jsonObject(with: Data(p384)) as? [String: String])
        #expect(p384Object["payload"] == "")
        let p384Signature = try #require(p384Object["signature"])
        #expect(Base64URL.decode(p384Signature)?.count == 96)
    }

    @Test("the EAB JWS is HS256 over the account JWK with the CA's kid")
    func eabShape() throws {
        let key = try PrivateKey.generate(.ecP256)
        let body = try JWS.externalAccountBinding(accountKey: key, keyID: "kid-1", macKey: Array("secret".utf8), url: "https://ca.test/new-acct")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        let protected = try #require(object["protected"])
        let payload = try #require(object["payload"])
        #expect(String(decoding: Base64URL.decode(payload) ?? [], as: UTF8.self) == (try key.jwk().canonicalJSON))
        let mac = try HMAC.sha256(key: Array("secret".utf8), data: Array("\(protected).\(payload)".utf8))
        #expect(object["signature"] == Base64URL.encode(mac))
    }

    @Test("HMAC-SHA256 matches RFC 4231 test case 2")
    func hmacVector() throws {
        let mac = try HMAC.sha256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("a problem document with subproblems names type, detail and each identifier")
    func problemDecoding() throws {
        let json = """
        {"type":"urn:ietf:params:acme:error:malformed","detail":"Some of the identifiers requested were rejected","status":400,
         "subproblems":[{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"This CA will not issue for \\"example.net\\"",
         "identifier":{"type":"dns","value":"example.net"}},{"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids",
         "identifier":{"type":"dns","value":"example.org"}}]}
        """
        let problem = try JSONDecoder().decode(Problem.self, from: Data(json.utf8))
        #expect(problem.shortType == "malformed")
        #expect(problem.subproblems?.count == 2)
        let text = ACMEError.problem(problem, method: "POST", url: "https://ca.test/new-order", status: 400).description
        #expect(text.contains("malformed: Some of the identifiers requested were rejected"))
        #expect(text.contains("dns example.net: rejectedIdentifier: This CA will not issue for \"example.net\""))
        #expect(text.contains("dns example.org: caa: CAA forbids"))
        #expect(text.contains("https://ca.test/new-order"))
    }

    @Test("Link headers yield alternate URLs only", arguments: [
        (["<https://ca.test/cert/1/1>;rel=\"alternate\"", "<https://ca.test/dir>;rel=\"index\""], ["https://ca.test/cert/1/1"]),
        (["<https://a>; rel=\"alternate\", <https://b>; rel=\"alternate\""], ["https://a", "https://b"]),
        (["<https://ca.test/dir>;rel=\"index\""], []),
    ])
    func linkParsing(values: [String], expected: [String]) {
        #expect(ACMEClient.links(values, relation: "alternate") == expected)
    }

    @Test("polls start short and back off to the ceiling")
    func pollingSchedule() {
        let policy = PollingPolicy()
        #expect(policy.delay(attempt: 0) == .milliseconds(50))
        #expect(policy.delay(attempt: 1) == .milliseconds(100))
        #expect(policy.delay(attempt: 3) == .milliseconds(400))
        #expect(policy.delay(attempt: 20) == .seconds(3))
    }

    @Test("Retry-After is read as seconds or as an HTTP date")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryAfter.parse("7", now: now) == .seconds(7))
        #expect(RetryAfter.parse("Tue, 14 Nov 2023 22:13:40 GMT", now: now) == .seconds(20))
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse(nil, now: now) == nil)
    }

    @Test("order states map to done, wait or failed as RFC 8555 §7.1.6 says")
    func orderProgress() throws {
        func order(_ status: ACME.Order.Status) -> ACME.Order {
            ACME.Order(status: status, identifiers: [], authorizations: [], finalize: "f")
        }
        guard case .wait = ACMEClient.progress(of: order(.processing), waitingFor: .valid) else { Issue.record("processing"); return }
        guard case .done = ACMEClient.progress(of: order(.ready), waitingFor: .ready) else { Issue.record("ready"); return }
        guard case .wait = ACMEClient.progress(of: order(.pending), waitingFor: .ready) else { Issue.record("pending"); return }
        guard case .failed = ACMEClient.progress(of: order(.invalid), waitingFor: .valid) else { Issue.record("invalid"); return }
    }

    @Test("RFC 3339 times with nanoseconds parse")
    func rfc3339() {
        #expect(RFC3339.parse("2025-01-02T03:04:05Z") == Date(timeIntervalSince1970: 1_735_787_045))
        #expect(RFC3339.parse("2025-01-02T03:04:05.123456789Z") != nil)
    }

    @Test("RFC 3339: offsets, fractions, leap days; hostile dates are nil, never a crash (ICU trapped on 35+ fraction digits)")
    func rfc3339Bounds() throws {
        let base = 1_735_787_045.0
        #expect(RFC3339.parse("2025-01-02T03:04:05.5Z")?.timeIntervalSince1970 == base + 0.5)
        #expect(RFC3339.parse("2025-01-02t03:04:05z")?.timeIntervalSince1970 == base)
        #expect(RFC3339.parse("2025-01-02T05:04:05+02:00")?.timeIntervalSince1970 == base)
        #expect(RFC3339.parse("2025-01-01T22:34:05-04:30")?.timeIntervalSince1970 == base)
        #expect(RFC3339.parse("2024-02-29T00:00:00Z")?.timeIntervalSince1970 == 1_709_164_800)
        #expect(RFC3339.parse("1969-12-31T23:59:59Z")?.timeIntervalSince1970 == -1)
        let long = try #require(RFC3339.parse("2025-01-02T03:04:05." + String(repeating: "9", count: 40) + "Z"))
        #expect(abs(long.timeIntervalSince1970 - (base + 0.999999999)) < 0.000_01)
        for bad in ["2025-01-02T03:04:05." + String(repeating: "1", count: 35) + "0000000000000000000000000000Z",
                    "2025-01-02T03:04:05." + String(repeating: "7", count: 5_000) + "Z",
                    "2023-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-01-02T24:00:00Z", "2025-01-02T03:04:05",
                    "2025-01-02T03:04:05.Z", "2025-01-02T03:04:05+2:00", "2025-01-02T03:04:05Z ", "２０２５-01-02T03:04:05Z",
                    "", "9999999999-01-01T00:00:00Z", "-025-01-02T03:04:05Z"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad.prefix(60))")
        }
    }
}
