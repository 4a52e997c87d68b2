internal import Foundation
internal import CLMCrypto

/// Trust and shape of the chain: self-signed, untrusted root, missing
/// intermediate, wrong order, root included.
enum ChainRules {
    static func evaluate(_ c: Context) -> [Finding] {
        guard let leaf = c.leaf else { return [] }
        var findings: [Finding] = []
        let code = c.result.verification.code
        let sent = c.sent

        // Walk issuer links from the leaf through what the server sent.
        var path = [leaf]
        while let current = path.last, !current.isSelfIssued,
              let next = sent.first(where: { isIssuer($0, of: current) && !path.contains($0) }) {
            path.append(next)
        }
        let top = path[path.count - 1]
        let advice = ServerAdvice(c)
        let caFileAdvice = c.options.usedCAFile
            ? "The CA file given with --ca-file does not contain it."
            : "For a private CA, pass its root with --ca-file (clients need it in their trust store too)."

        // Trust.
        if leaf.isSelfIssued && sent.count >= 1 && (code == VerifyResult.depthZeroSelfSigned || !c.result.verification.isOK && top == leaf) {
            findings.append(Finding(
                code: .chainSelfSigned, severity: .high, title: "The certificate is self-signed",
                evidence: ["\(leaf.subject) issued itself", "OpenSSL: \(c.result.verification.text)"],
                fix: "Replace it with a certificate from a CA clients trust (e.g. ACME: `clm request`), or "
                    + "distribute it to every client. \(caFileAdvice)",
                refusesClients: true))
        } else if code == VerifyResult.selfSignedInChain {
            findings.append(Finding(
                code: .chainUntrustedRoot, severity: .high, title: "The chain ends in a root that is not trusted",
                evidence: ["root: \(top.subject)", "OpenSSL: \(c.result.verification.text)"],
                fix: caFileAdvice, refusesClients: true))
        } else if code == VerifyResult.unableToGetIssuerCertLocally || code == VerifyResult.unableToGetIssuerCert
                    || code == VerifyResult.unableToVerifyLeafSignature {
            if top == leaf {
                var evidence = ["missing issuer: \(leaf.issuer)",
                                "the server sent \(sent.count) certificate(s); none issued the leaf"]
                if let url = leaf.caIssuersURLs.first {
                    evidence.append("the leaf's AIA caIssuers URL \(url) names where the issuer can be fetched "
                        + "(browsers may fetch it; OpenSSL, curl, Java and mail clients do not)")
                } else {
                    evidence.append("the leaf has no AIA caIssuers URL, so no client can fetch the issuer")
                }
                findings.append(Finding(
                    code: .chainIncomplete, severity: .high,
                    title: "The server does not send the intermediate certificate",
                    evidence: evidence,
                    fix: advice.fullChain + " If \(leaf.issuer) is itself a root, "
                        + caFileAdvice.prefix(1).lowercased() + caFileAdvice.dropFirst(),
                    refusesClients: true))
            } else {
                findings.append(Finding(
                    code: .chainUntrustedRoot, severity: .high, title: "The chain's root CA is not trusted",
                    evidence: ["the chain ends at \(top.subject), issued by \(top.issuer), which is not in the trust store"],
                    fix: caFileAdvice, refusesClients: true))
            }
        } else if c.result.verification.isOK, top == leaf, !leaf.isSelfIssued, c.verified.count > 2 {
            // Verified only because the trust store happens to hold the intermediate.
            findings.append(Finding(
                code: .chainIncomplete, severity: .medium,
                title: "The server does not send the intermediate certificate (accepted here only thanks to the local trust store)",
                evidence: ["missing issuer: \(leaf.issuer)"],
                fix: advice.fullChain + " Clients without that intermediate in their store refuse the server otherwise.",
                refusesClients: false))
        }

        // Shape.
        if sent.count > 1 {
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
        }
        return findings
    }
}
