internal import Foundation
internal import CLMCrypto

/// The leaf must cover the name the client asked for (RFC 6125).
enum NameRules {
    static func evaluate(_ c: Context) -> [Finding] {
        guard let leaf = c.leaf else { return [] }
        let name = c.result.target.verificationName
        let ips = leaf.subjectAlternativeNames.compactMap { if case let .ip(a) = $0 { a } else { nil } }
        var covered = leaf.dnsNames.map { "DNS:\($0)" } + ips.map { "IP:\($0)" }
        let matched: Bool
        if c.result.target.hostIsIPLiteral && c.result.target.sni == nil {
            matched = ips.contains { normalizeIP($0) == normalizeIP(name) }
        } else if leaf.dnsNames.isEmpty, let cn = leaf.subject.commonName {
            // No DNS SANs: OpenSSL (not browsers) falls back to the CN.
            covered.append("CN=\(cn) (no subjectAltName; browsers ignore the CN)")
            matched = HostnameMatcher.matches(pattern: cn, host: name)
        } else {
            matched = HostnameMatcher.covers(leaf.dnsNames, host: name)
        }
        if matched && !leaf.dnsNames.isEmpty || matched && c.result.target.hostIsIPLiteral { return [] }
        if matched {
            return [Finding(code: .certNameMismatch, severity: .high,
                            title: "The certificate names \(name) only in its CN, which browsers ignore",
                            evidence: ["the certificate has no subjectAltName"],
                            fix: "Reissue the certificate with subjectAltName DNS:\(name).", refusesClients: true)]
        }
        var evidence = ["asked for: \(name)",
                        "the certificate covers: " + (covered.isEmpty ? "no names" : covered.joined(separator: ", "))]
        if let hint = wildcardHint(leaf.dnsNames, name) { evidence.append(hint) }
        return [Finding(code: .certNameMismatch, severity: .critical,
                        title: "The certificate does not cover \(name)", evidence: evidence,
                        fix: "Reissue the certificate with \(name) in its subjectAltName, or point clients at a "
                            + "name it covers; if the server hosts several sites, check SNI selects the right certificate.",
                        refusesClients: true)]
    }

    /// Explains the wildcard near-misses that surprise people.
    static func wildcardHint(_ names: [String], _ host: String) -> String? {
        let h = HostnameMatcher.normalize(host)
        for pattern in names.map(HostnameMatcher.normalize) where pattern.hasPrefix("*.") {
            let base = String(pattern.dropFirst(2))
            if h == base { return "\(pattern) does not cover the bare \(base) (a wildcard needs exactly one more label)" }
            if h.hasSuffix("." + base) { return "\(pattern) covers one label only, not \(h) (wildcards do not span dots)" }
        }
        if names.contains(where: { $0.contains("*") && !$0.hasPrefix("*.") }) {
            return "partial wildcards such as f*o.example.com are not honoured by clients (RFC 6125 §6.4.3)"
        }
        return nil
    }

    static func normalizeIP(_ text: String) -> String { text.lowercased() }
}
