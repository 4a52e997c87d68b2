internal import Foundation
public import CLMHTTP
public import CLMCrypto

/// Failures of the ACME protocol layer, each naming what was asked of which URL.
public enum ACMEError: Error, Sendable, CustomStringConvertible {
    /// The server answered with a problem document (RFC 8555 §6.7).
    case problem(Problem, method: String, url: String, status: Int)
    /// The HTTP exchange failed below ACME.
    case http(HTTPError)
    /// The server sent something RFC 8555 does not allow here.
    case unexpectedResponse(url: String, status: Int, why: String)
    /// An authorization ended invalid; carries the challenge's error.
    case authorizationFailed(identifier: ACME.Identifier, challenge: String?, problem: Problem?)
    /// The order ended invalid.
    case orderFailed(url: String, problem: Problem?)
    /// Polling did not reach a final state before the deadline.
    case timedOut(what: String, url: String, after: Duration)
    /// The CA offers none of the challenge types clm can solve for an identifier.
    case noSuitableChallenge(identifier: ACME.Identifier, offered: [String], wanted: String)
    /// Key, CSR or certificate handling failed.
    case crypto(KeyError)
    /// The directory lacks something this operation needs.
    case notSupported(String)
    /// No chain with the preferred issuer (the default one was used instead); informational.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .problem(let problem, let method, let url, let status):
            return "ACME server refused \(method) \(url) (HTTP \(status)): \(problem)"
        case .http(let error):
            return error.description
        case .unexpectedResponse(let url, let status, let why):
            return "unexpected response from \(url) (HTTP \(status)): \(why)"
        case .authorizationFailed(let identifier, let challenge, let problem):
            let how = challenge.map { " via \($0)" } ?? ""
            return "validation of \(identifier)\(how) failed: \(problem?.description ?? "no reason given by the CA")"
        case .orderFailed(let url, let problem):
            return "order \(url) became invalid: \(problem?.description ?? "no reason given by the CA")"
        case .timedOut(let what, let url, let after):
            return "\(what) at \(url) did not finish within \(after)"
        case .noSuitableChallenge(let identifier, let offered, let wanted):
            return "the CA offers \(offered.joined(separator: ", ")) for \(identifier), not \(wanted); choose another challenge type"
        case .crypto(let error):
            return error.description
        case .notSupported(let what):
            return what
        case .invalidInput(let what):
            return what
        }
    }

    /// The problem document, when the server sent one.
    public var problem: Problem? {
        switch self {
        case .problem(let problem, _, _, _): return problem
        case .authorizationFailed(_, _, let problem), .orderFailed(_, let problem): return problem
        default: return nil
        }
    }
}
