internal import Foundation
internal import CLMCrypto

/// Trust and shape of the chain: self-signed, untrusted root, missing
/// intermediate, wrong order, root included.
enum ChainRules {
    static func evaluate(_ c: Context) -> [Finding] {
        guard let leaf = c.leaf else { return [] }
        let path = issuerPath(from: leaf, through: c.sent)
        return [trust(c, leaf: leaf, top: path[path.count - 1])].compactMap { $0 } + shape(c.sent, path: path, advice: ServerAdvice(c))
    }

    /// Issuer links from the leaf through what the server sent.
    static func issuerPath(from leaf: CertificateInfo, through sent: [CertificateInfo]) -> [CertificateInfo] {
        var path = [leaf]
        while let current = path.last, !current.isSelfIssued,
              let next = sent.first(where: { isIssuer($0, of: current) && !path.contains($0) }) {
            path.append(next)
        }
        return path
    }

    static func caFileAdvice(_ c: Context) -> String {
        c.options.usedCAFile
            ? "The CA file given with --ca-file does not contain it."
            : "For a private CA, pass its root with --ca-file (clients need it in their trust store too)."
    }

    /// Self-signed, untrusted root, or a missing intermediate.
    static func trust(_ c: Context, leaf: CertificateInfo, top: CertificateInfo) -> Finding? {
        let code = c.result.verification.code
        let sent = c.sent
        if leaf.isSelfIssued && sent.count >= 1 && (code == VerifyResult.depthZeroSelfSigned || !c.result.verification.isOK && top == leaf) {
            return Finding(
                code: .chainSelfSigned, severity: .high, title: "The certificate is self-signed",
                evidence: ["\(leaf.subject) issued itself", "OpenSSL: \(c.result.verification.text)"],
                fix: "Replace it with a certificate from a CA clients trust (e.g. ACME: `clm request`), or "
                    + "distribute it to every client. \(caFileAdvice(c))",
                refusesClients: true)
        }
        if code == VerifyResult.selfSignedInChain {
            return Finding(
                code: .chainUntrustedRoot, severity: .high, title: "The chain ends in a root that is not trusted",
                evidence: ["root: \(top.subject)", "OpenSSL: \(c.result.verification.text)"],
                fix: caFileAdvice(c), refusesClients: true)
        }
        if code == VerifyResult.unableToGetIssuerCertLocally || code == VerifyResult.unableToGetIssuerCert
            || code == VerifyResult.unableToVerifyLeafSignature {
            guard top == leaf else {
                return Finding(
                    code: .chainUntrustedRoot, severity: .high, title: "The chain's root CA is not trusted",
                    evidence: ["the chain ends at \(top.subject), issued by \(top.issuer), which is not in the trust store"],
                    fix: caFileAdvice(c), refusesClients: true)
            }
            return missingIntermediate(c, leaf: leaf)
        }
        if c.result.verification.isOK, top == leaf, !leaf.isSelfIssued, c.verified.count > 2 {
            // Verified only because the trust store happens to hold the intermediate.
            return Finding(
                code: .chainIncomplete, severity: .medium,
                title: "The server does not send the intermediate certificate (accepted here only thanks to the local trust store)",
                evidence: ["missing issuer: \(leaf.issuer)"],
                fix: ServerAdvice(c).fullChain + " Clients without that intermediate in their store refuse the server otherwise.",
                refusesClients: false)
        }
        return nil
    }

    static func missingIntermediate(_ c: Context, leaf: CertificateInfo) -> Finding {
        var evidence = ["missing issuer: \(leaf.issuer)",
                        "the server sent \(c.sent.count) certificate(s); none issued the leaf"]
        if let url = leaf.caIssuersURLs.first {
            evidence.append("the leaf's AIA caIssuers URL \(url) names where the issuer can be fetched "
                + "(browsers may fetch it; OpenSSL, curl, Java and mail clients do not)")
        } else {
            evidence.append("the leaf has no AIA caIssuers URL, so no client can fetch the issuer")
        }
        let caFile = caFileAdvice(c)
        return Finding(
            code: .chainIncomplete, severity: .high,
            title: "The server does not send the intermediate certificate",
            evidence: evidence,
            fix: ServerAdvice(c).fullChain + " If \(leaf.issuer) is itself a root, " + caFile.prefix(1).lowercased() + caFile.dropFirst(),
            refusesClients: true)
    }

    /// Order of the chain as sent, and a root sent along.
    static func shape(_ sent: [CertificateInfo], path: [CertificateInfo], advice: ServerAdvice) -> [Finding] {
        guard sent.count > 1 else { return [] }
        var findings: [Finding] = []
        var outOfOrder: [String] = []
        for i in 0..<(sent.count - 1) where !sent[i].isSelfIssued && !isIssuer(sent[i + 1], of: sent[i]) {
            outOfOrder.append("certificate \(i + 1) (\(sent[i + 1].subject)) does not issue certificate \(i) (\(sent[i].subject))")
        }
        if !outOfOrder.isEmpty {
            let unrelated = sent.filter { !path.contains($0) }.map { "unrelated: \($0.subject)" }
            findings.append(Finding(
                code: .chainWrongOrder, severity: .medium,
                title: "The chain is sent in the wrong order or with unrelated certificates",
                evidence: outOfOrder + unrelated,
                fix: advice.chainOrder,
                refusesClients: false))
        }
        if let root = sent.dropFirst().first(where: { $0.isSelfSigned }) {
            findings.append(Finding(
                code: .chainIncludesRoot, severity: .low, title: "The server sends the root certificate",
                evidence: ["\(describe(root, in: sent)) is self-signed"],
                fix: "Drop the root from the chain file: clients use their own copy, and sending it only costs bytes.",
                refusesClients: false))
        }
        return findings
    }
}
