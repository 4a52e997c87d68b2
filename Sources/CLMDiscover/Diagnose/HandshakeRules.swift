internal import Foundation
internal import CLMCrypto

/// Client certificates, protocol versions, OCSP must-staple.
enum HandshakeRules {
    static func evaluate(_ c: Context) -> [Finding] {
        let advice = ServerAdvice(c)
        return [clientCertificate(c, advice: advice), refusedAfterTLS(c, advice: advice)].compactMap { $0 }
            + protocols(c, advice: advice) + [mustStaple(c)].compactMap { $0 }
    }

    static func caLines(_ c: Context) -> [String] {
        let names = c.result.acceptableClientCANames
        return names.isEmpty ? ["acceptable CA names: none sent (any CA)"] : names.map { "acceptable CA: \($0)" }
    }

    static func clientCertificate(_ c: Context, advice: ServerAdvice) -> Finding? {
        switch c.result.clientCertificate {
        case .required:
            return Finding(
                code: .clientCertRequired, severity: .high,
                title: "The server requires a client certificate",
                evidence: ["the server ended the handshake when no client certificate was sent"] + caLines(c),
                fix: "Clients need a certificate from one of the CAs above (e.g. curl --cert/--key), or "
                    + advice.relaxClientCertificate,
                refusesClients: true)
        case .optional where c.result.session?.accepted == false:
            // Handshake fine without a certificate, session refused afterwards: a mail client sees a failure.
            return nil
        case .optional:
            return Finding(
                code: .clientCertOptional, severity: .info,
                title: "The server asks for an optional client certificate",
                evidence: caLines(c), fix: "Nothing to do unless clients prompt users to pick a certificate.",
                refusesClients: false)
        case .notRequested:
            return nil
        }
    }

    static func refusedAfterTLS(_ c: Context, advice: ServerAdvice) -> Finding? {
        guard let session = c.result.session, !session.accepted else { return nil }
        let asked = c.result.clientCertificateRequested
        var evidence = ["after the handshake clm sent `\(session.command)`; the server answered: \(session.serverSaid)"]
        if session.closed { evidence.append("then it closed the connection") }
        if asked { evidence.append("the server asked for a client certificate in the handshake and went on without one") }
        evidence += asked ? caLines(c) : []
        return Finding(
            code: .sessionRefusedAfterTLS, severity: .high,
            title: "Refused after TLS: the handshake succeeds, then the server refuses the session",
            evidence: evidence,
            fix: asked
                ? "The server wants a client certificate it did not get: clients need one from the CAs above, or "
                    + advice.relaxClientCertificate
                : "The server refuses the session for its own reasons (see its words above and its log): check its TLS "
                    + "and access policy for clients like this one.",
            refusesClients: true)
    }

    static func protocols(_ c: Context, advice: ServerAdvice) -> [Finding] {
        var findings: [Finding] = []
        let negotiated = c.result.negotiatedVersion
        if let negotiated, negotiated.isDeprecated {
            findings.append(Finding(
                code: .protocolOnlyDeprecated, severity: .high,
                title: "The server's best protocol is \(negotiated.displayName)",
                evidence: ["negotiated \(c.result.protocolVersion) with a client offering TLS 1.0 to 1.3"],
                fix: advice.enableModernProtocols,
                refusesClients: true))
        }
        if let versions = c.result.supportedVersions {
            let old = versions.filter(\.isDeprecated)
            if !old.isEmpty && negotiated.map({ !$0.isDeprecated }) ?? true {
                findings.append(Finding(
                    code: .protocolDeprecatedAccepted, severity: .medium,
                    title: "The server still accepts " + old.map(\.displayName).joined(separator: " and "),
                    evidence: ["accepted: " + versions.map(\.displayName).joined(separator: ", ")],
                    fix: advice.modernProtocols,
                    refusesClients: false))
            }
        }
        return findings
    }

    static func mustStaple(_ c: Context) -> Finding? {
        guard let leaf = c.leaf, leaf.mustStaple, !c.result.ocspStapled else { return nil }
        return Finding(
            code: .certMustStapleWithoutStaple, severity: .high,
            title: "The certificate demands OCSP stapling but the server sent no staple",
            evidence: ["TLS feature extension: status_request", "no OCSP response in the handshake"],
            fix: "Enable stapling (nginx ssl_stapling on; HAProxy ocsp-update on) or reissue without must-staple.",
            refusesClients: true)
    }
}
