internal import Foundation
internal import CLMCrypto

/// Dates: expired, not yet valid (with both clocks), expiring soon, a
/// lifetime over 398 days, intermediates that expire before the leaf.
enum ValidityRules {
    static let day: TimeInterval = 86_400

    static func evaluate(_ c: Context) -> [Finding] {
        guard let leaf = c.leaf else { return [] }
        let clocks = clockEvidence(c)
        let dates = c.allCertificates.filter { !c.isTrustedAnchor($0) || $0.notAfter < c.now }.compactMap { cert -> Finding? in
            if cert.notAfter < c.now { return expired(cert, leaf: leaf, c, clocks: clocks) }
            if cert.notBefore > c.now { return notYetValid(cert, c, clocks: clocks) }
            return nil
        }
        return dates + [expiresSoon(leaf, c), lifetimeTooLong(leaf)].compactMap { $0 } + intermediatesExpiringFirst(leaf, c)
    }

    static func expired(_ cert: CertificateInfo, leaf: CertificateInfo, _ c: Context, clocks: [String]) -> Finding {
        let days = Int((c.now.timeIntervalSince(cert.notAfter) / day).rounded(.down))
        return Finding(
            code: .certExpired, severity: .critical,
            title: cert == leaf ? "The certificate expired \(days) day(s) ago"
                                : "A CA certificate in the chain expired \(days) day(s) ago",
            evidence: ["\(describe(cert, in: c.sent)) was valid until \(iso(cert.notAfter))"] + clocks,
            fix: cert == leaf
                ? "Renew the certificate (`clm renew` for managed ones) and reload the server."
                : "Install the current intermediate from your CA in the chain file and reload the server.",
            refusesClients: true)
    }

    static func notYetValid(_ cert: CertificateInfo, _ c: Context, clocks: [String]) -> Finding {
        let hours = Int((cert.notBefore.timeIntervalSince(c.now) / 3600).rounded(.up))
        var evidence = ["\(describe(cert, in: c.sent)) is valid from \(iso(cert.notBefore)), \(hours) hour(s) after the local clock"]
        evidence += clocks
        var fix = "Check the clocks (NTP) of this machine and of the server."
        if let server = c.result.serverDate, server >= cert.notBefore {
            evidence.append("the server's clock is past notBefore: suspect clock skew on this machine")
            fix = "This machine's clock is behind: enable NTP (timedatectl set-ntp true)."
        } else if cert.notBefore.timeIntervalSince(c.now) < 2 * day {
            evidence.append("notBefore is less than two days ahead: suspect clock skew, or a freshly issued certificate")
        } else {
            fix = "The certificate was issued with a future start date, or the clock is far behind; "
                + "check NTP, or reissue the certificate."
        }
        return Finding(code: .certNotYetValid, severity: .critical, title: "The certificate is not valid yet", evidence: evidence,
                       fix: fix, refusesClients: true)
    }

    static func expiresSoon(_ leaf: CertificateInfo, _ c: Context) -> Finding? {
        let left = leaf.notAfter.timeIntervalSince(c.now)
        guard left >= 0 && left < Double(c.options.expiresSoonDays) * day else { return nil }
        let days = Int((left / day).rounded(.down))
        return Finding(
            code: .certExpiresSoon, severity: days < 7 ? .high : .medium,
            title: "The certificate expires in \(days) day(s)",
            evidence: ["valid until \(iso(leaf.notAfter))"],
            fix: "Renew now (`clm renew --due \(c.options.expiresSoonDays)d`).", refusesClients: false)
    }

    static func lifetimeTooLong(_ leaf: CertificateInfo) -> Finding? {
        let lifetime = leaf.notAfter.timeIntervalSince(leaf.notBefore)
        guard lifetime > 398 * day else { return nil }
        return Finding(
            code: .certValidityTooLong, severity: .medium,
            title: "The certificate is valid for \(Int(lifetime / day)) days (more than 398)",
            evidence: ["\(iso(leaf.notBefore)) to \(iso(leaf.notAfter))"],
            fix: "Browsers and Apple platforms reject publicly trusted certificates issued after 2020-09-01 "
                + "with more than 398 days of validity; reissue with a shorter lifetime (private CAs are exempt).",
            refusesClients: false)
    }

    static func intermediatesExpiringFirst(_ leaf: CertificateInfo, _ c: Context) -> [Finding] {
        c.allCertificates.filter { $0 != leaf && $0.isCA && !c.isTrustedAnchor($0) && $0.notAfter < leaf.notAfter && $0.notAfter >= c.now }
            .map { ca in
                Finding(
                    code: .chainIntermediateExpiresFirst, severity: .medium,
                    title: "An intermediate expires before the certificate",
                    evidence: ["\(describe(ca, in: c.sent)) expires \(iso(ca.notAfter))",
                               "the certificate is valid until \(iso(leaf.notAfter))"],
                    fix: "Get the current intermediate from your CA (or reissue) so the chain outlives the leaf; "
                        + "the server will be refused from \(iso(ca.notAfter)).",
                    refusesClients: false)
            }
    }

    /// "local clock: ...", "server clock: ..." lines.
    static func clockEvidence(_ c: Context) -> [String] {
        var lines = ["local clock: \(iso(c.now))"]
        if let server = c.result.serverDate {
            let skew = Int(server.timeIntervalSince(c.now))
            lines.append("server clock: \(iso(server)) (\(skew >= 0 ? "+" : "")\(skew) s from local)")
        } else {
            lines.append("server clock: unknown (the server did not reveal it)")
        }
        return lines
    }
}
