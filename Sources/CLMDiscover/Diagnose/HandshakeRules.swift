internal import Foundation
internal import CLMCrypto

/// Client certificates, protocol versions, OCSP must-staple.
enum HandshakeRules {
    static func evaluate(_ c: Context) -> [Finding] {
        var findings: [Finding] = []
        let names = c.result.acceptableClientCANames
        let caLine = names.isEmpty ? ["acceptable CA names: none sent (any CA)"]
                                   : names.map { "acceptable CA: \($0)" }
        switch c.result.clientCertificate {
        case .required:
            findings.append(Finding(
                code: .clientCertRequired, severity: .high,
                title: "The server requires a client certificate",
                evidence: ["the server ended the handshake when no client certificate was sent"] + caLine,
                fix: "Clients need a certificate from one of the CAs above (e.g. curl --cert/--key), or relax "
                    + "the server (nginx ssl_verify_client optional; HAProxy verify optional).",
                refusesClients: true))
        case .optional:
            findings.append(Finding(
                code: .clientCertOptional, severity: .info,
                title: "The server asks for an optional client certificate",
                evidence: caLine, fix: "Nothing to do unless clients prompt users to pick a certificate.",
                refusesClients: false))
        case .notRequested:
            break
        }

        let negotiated = c.result.negotiatedVersion
        if let negotiated, negotiated.isDeprecated {
            findings.append(Finding(
                code: .protocolOnlyDeprecated, severity: .high,
                title: "The server's best protocol is \(negotiated.displayName)",
                evidence: ["negotiated \(c.result.protocolVersion) with a client offering TLS 1.0 to 1.3"],
                fix: "Enable TLS 1.2 and 1.3 (nginx ssl_protocols TLSv1.2 TLSv1.3; HAProxy ssl-min-ver TLSv1.2); "
                    + "current clients refuse TLS 1.0/1.1 (RFC 8996).",
                refusesClients: true))
        }
        if let versions = c.result.supportedVersions {
            let old = versions.filter(\.isDeprecated)
            if !old.isEmpty && negotiated.map({ !$0.isDeprecated }) ?? true {
                findings.append(Finding(
                    code: .protocolDeprecatedAccepted, severity: .medium,
                    title: "The server still accepts " + old.map(\.displayName).joined(separator: " and "),
                    evidence: ["accepted: " + versions.map(\.displayName).joined(separator: ", ")],
                    fix: "Disable TLS 1.0/1.1 (RFC 8996): nginx ssl_protocols TLSv1.2 TLSv1.3; HAProxy "
                        + "ssl-default-bind-options ssl-min-ver TLSv1.2.",
                    refusesClients: false))
            }
        }

        if let leaf = c.leaf, leaf.mustStaple, !c.result.ocspStapled {
            findings.append(Finding(
                code: .certMustStapleWithoutStaple, severity: .high,
                title: "The certificate demands OCSP stapling but the server sent no staple",
                evidence: ["TLS feature extension: status_request", "no OCSP response in the handshake"],
                fix: "Enable stapling (nginx ssl_stapling on; HAProxy ocsp-update on) or reissue without must-staple.",
                refusesClients: true))
        }
        return findings
    }
}
