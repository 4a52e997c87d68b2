internal import Foundation
internal import CLMCrypto

/// Weak keys (RSA < 2048, EC < 256, DSA) and weak signatures (MD5, SHA-1)
/// anywhere in the chain; a trusted root's self-signature does not count.
enum StrengthRules {
    static func evaluate(_ c: Context) -> [Finding] {
        var findings: [Finding] = []
        var weakKeys: [String] = []
        var weakSignatures: [String] = []
        var md5 = false
        for cert in c.allCertificates where !c.isTrustedAnchor(cert) {
            let who = describe(cert, in: c.sent)
            let key = cert.publicKey.algorithm
            switch key {
            case let .rsa(bits) where bits < 2048: weakKeys.append("\(who): \(key)")
            case .ec where (key.bits ?? 0) < 256: weakKeys.append("\(who): \(key)")
            case .dsa: weakKeys.append("\(who): \(key) (DSA is no longer accepted for TLS)")
            default: break
            }
            // A self-signed root's own signature is never checked by clients.
            if cert.signatureAlgorithm.isWeak && !(cert.isSelfSigned && cert != c.leaf) {
                weakSignatures.append("\(who): signed with \(cert.signatureAlgorithm.name)")
                if cert.signatureAlgorithm.name.lowercased().contains("md5") { md5 = true }
            }
        }
        if !weakKeys.isEmpty {
            findings.append(Finding(
                code: .keyWeak, severity: .high, title: "Weak key in the chain",
                evidence: weakKeys,
                fix: "Reissue with RSA 2048+ or EC P-256+ (`clm request` with key type ec-p256); OpenSSL at its "
                    + "default security level and current browsers refuse smaller keys.",
                refusesClients: true))
        }
        if !weakSignatures.isEmpty {
            findings.append(Finding(
                code: .signatureWeak, severity: md5 ? .critical : .high, title: "Weak signature algorithm in the chain",
                evidence: weakSignatures,
                fix: "Reissue with a SHA-256 (or better) signature; clients refuse SHA-1 and MD5 certificate signatures.",
                refusesClients: true))
        }
        return findings
    }
}
