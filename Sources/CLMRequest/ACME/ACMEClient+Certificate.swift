internal import Foundation
public import CLMCrypto

/// A certificate chain as PEM text plus its certificates in DER, leaf first.
public struct CertificateChain: Sendable, Hashable {
    public let url: String
    public let pem: String
    public let certificates: [[UInt8]]

    public init(url: String, pem: String) {
        self.url = url
        self.pem = pem
        self.certificates = IssuedCertificate.derBlocks(fromPEM: pem)
    }

    /// Issuer CN of the topmost certificate (what `--preferred-chain` names).
    public var topIssuerCommonName: String? {
        certificates.last.flatMap { try? IssuedCertificate(der: $0) }?.issuerCommonName
    }

    /// Issuer CNs of every certificate in the chain.
    public var issuerCommonNames: [String] {
        certificates.compactMap { try? IssuedCertificate(der: $0) }.compactMap(\.issuerCommonName)
    }

    /// The leaf as PEM.
    public var leafPEM: String { certificates.first.map(IssuedCertificate.pem(fromDER:)) ?? "" }
    /// Everything after the leaf, as PEM.
    public var intermediatesPEM: String { certificates.dropFirst().map(IssuedCertificate.pem(fromDER:)).joined() }
}

/// RFC 5280 §5.3.1 revocation reasons (RFC 8555 §7.6 "reason").
public enum RevocationReason: Int, Sendable, CaseIterable, Codable {
    case unspecified = 0
    case keyCompromise = 1
    case cACompromise = 2
    case affiliationChanged = 3
    case superseded = 4
    case cessationOfOperation = 5
    case certificateHold = 6
    case removeFromCRL = 8
    case privilegeWithdrawn = 9
    case aACompromise = 10

    public var name: String { String(describing: self) }
}

extension ACMEClient {
    /// Downloads the certificate (RFC 8555 §7.4.2) and, when `preferredIssuer`
    /// is set, the alternate chains (Link rel="alternate"), returning the
    /// first chain whose topmost issuer CN (else any issuer CN) matches.
    /// Without a match the default chain is returned.
    public func downloadCertificate(_ account: AccountCredentials, url: String,
                                    preferredIssuer: String? = nil) async throws(ACMEError) -> (chain: CertificateChain, alternates: [String]) {
        let (main, alternates) = try await fetchChain(account, url: url)
        guard let preferred = preferredIssuer, main.topIssuerCommonName != preferred else { return (main, alternates) }
        var candidates: [CertificateChain] = [main]
        for alternate in alternates {
            let (chain, _) = try await fetchChain(account, url: alternate)
            if chain.topIssuerCommonName == preferred { return (chain, alternates) }
            candidates.append(chain)
        }
        if let any = candidates.first(where: { $0.issuerCommonNames.contains(preferred) }) { return (any, alternates) }
        return (main, alternates)
    }

    func fetchChain(_ account: AccountCredentials, url: String) async throws(ACMEError) -> (CertificateChain, [String]) {
        let response = try await post(url, payload: nil, signer: .account(account), safeToRepeat: true,
                                      accept: "application/pem-certificate-chain")
        let chain = CertificateChain(url: url, pem: response.bodyText)
        guard !chain.certificates.isEmpty else {
            throw .unexpectedResponse(url: url, status: response.status, why: "no PEM certificate in the body")
        }
        return (chain, Self.links(response.headers("Link"), relation: "alternate"))
    }

    /// Targets of Link headers with the given rel (RFC 8288), e.g. `<url>;rel="alternate"`.
    static func links(_ values: [String], relation: String) -> [String] {
        var out: [String] = []
        for value in values {
            for part in value.split(separator: ",") {
                let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
                let rels = pieces.dropFirst().filter { $0.lowercased().hasPrefix("rel=") }
                    .map { $0.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                if rels.contains(where: { $0.split(separator: " ").contains(Substring(relation)) }) {
                    out.append(String(target.dropFirst().dropLast()))
                }
            }
        }
        return out
    }

    /// Revokes a certificate (RFC 8555 §7.6), signed by the account, or by the
    /// certificate's own key when `account` is nil and `certificateKey` given.
    public func revoke(certificateDER: [UInt8], reason: RevocationReason?, account: AccountCredentials?,
                       certificateKey: PrivateKey? = nil) async throws(ACMEError) {
        var payload = #"{"certificate":"\#(Base64URL.encode(certificateDER))""#
        if let reason { payload += #","reason":\#(reason.rawValue)"# }
        payload += "}"
        let signer: Signer
        if let account { signer = .account(account) } else if let certificateKey { signer = .key(certificateKey) } else {
            throw .invalidInput("revocation needs the account or the certificate's key")
        }
        _ = try await post(directory.revokeCert, payload: Array(payload.utf8), signer: signer, safeToRepeat: true)
    }
}
