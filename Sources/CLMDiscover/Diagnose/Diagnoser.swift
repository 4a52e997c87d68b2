public import Foundation
public import CLMCrypto

/// Knobs for ``Diagnoser``.
public struct DiagnoseOptions: Sendable, Hashable {
    /// A leaf expiring within this many days gets `cert.expires-soon`.
    public var expiresSoonDays: Int
    /// Whether the probe trusted a `--ca-file` (changes the advice given).
    public var usedCAFile: Bool
    /// The server's software and where its TLS directives are set, when clm
    /// read its config; fix texts then name the file and line.
    public var server: ServerHint?

    public init(expiresSoonDays: Int = 30, usedCAFile: Bool = false, server: ServerHint? = nil) {
        self.expiresSoonDays = expiresSoonDays
        self.usedCAFile = usedCAFile
        self.server = server
    }
}

/// Explains, in plain words, why a client would refuse a TLS server.
///
/// A pure function of the probe outcome and the clock: no I/O, so every
/// rule is testable with fixed dates. Each rule adds a ``Finding``; the
/// verdict (``Diagnosis/wouldClientAccept``) is false when any finding
/// refuses clients.
public enum Diagnoser {
    /// Diagnoses one probe outcome at time `now`.
    public static func diagnose(observation: TLSProbeOutcome, now: Date,
                                options: DiagnoseOptions = DiagnoseOptions()) -> Diagnosis {
        switch observation.result {
        case let .failure(error):
            return connectionFailure(observation.target, error, now: now)
        case let .success(result):
            return diagnose(result, now: now, options: options)
        }
    }

    /// Diagnoses a completed handshake.
    public static func diagnose(_ result: TLSProbeResult, now: Date,
                                options: DiagnoseOptions = DiagnoseOptions()) -> Diagnosis {
        var findings: [Finding] = []
        var parsed: [CertificateInfo] = []
        for (index, der) in result.peerChain.enumerated() {
            do { parsed.append(try CertificateInfo(der: der)) } catch {
                findings.append(Finding(
                    code: .certUnparseable, severity: .high, title: "Certificate \(index) in the chain cannot be parsed",
                    evidence: ["\(error)"], fix: "Check the certificate file the server is configured with.",
                    refusesClients: true))
            }
        }
        let verified = result.verifiedChain.compactMap { try? CertificateInfo(der: $0) }
        var context = Context(result: result, sent: parsed, verified: verified, now: now, options: options)
        if let leaf = parsed.first {
            context.leaf = leaf
            findings += ValidityRules.evaluate(context)
            findings += NameRules.evaluate(context)
            findings += ChainRules.evaluate(context)
            findings += StrengthRules.evaluate(context)
        }
        findings += HandshakeRules.evaluate(context)
        findings += unexplainedVerifyFailure(context, findings: findings)

        findings.sort { $0.severity > $1.severity }
        return Diagnosis(
            endpoint: result.target.description, expectedName: result.target.verificationName, checkedAt: now,
            connected: true, wouldClientAccept: !findings.contains(where: \.refusesClients),
            protocolVersion: result.protocolVersion, cipher: result.cipher,
            verification: VerifyResultSummary(code: result.verification.code, text: result.verification.text),
            chain: parsed.enumerated().map { summary($1, position: $0) }, findings: findings)
    }

    /// OpenSSL refused the chain for a reason no rule explained.
    private static func unexplainedVerifyFailure(_ c: Context, findings: [Finding]) -> [Finding] {
        guard !c.result.verification.isOK, !findings.contains(where: \.refusesClients) else { return [] }
        return [Finding(
            code: .verifyFailed, severity: .high,
            title: "OpenSSL rejects the certificate chain: \(c.result.verification.text)",
            evidence: ["X509_V error \(c.result.verification.code): \(c.result.verification.text)"],
            fix: "Look up the OpenSSL verify error above; `openssl s_client -connect \(c.result.target) -showcerts` shows the chain.",
            refusesClients: true)]
    }

    static func connectionFailure(_ target: TLSTarget, _ error: TLSProbeError, now: Date) -> Diagnosis {
        let finding: Finding
        switch error {
        case let .dnsFailure(endpoint, reason):
            finding = Finding(code: .connectDNS, severity: .high, title: "The host name does not resolve",
                              evidence: ["\(endpoint): \(reason)"],
                              fix: "Check the spelling, the DNS records (A/AAAA) and the resolver in /etc/resolv.conf.",
                              refusesClients: true)
        case let .connectionRefused(endpoint, address):
            finding = Finding(code: .connectRefused, severity: .high, title: "Connection refused",
                              evidence: ["\(endpoint) (\(address)) refused the TCP connection"],
                              fix: "Start the service, or fix its listen address and port. If it is running and listening there, a firewall is rejecting the connection: allow the port.",
                              refusesClients: true)
        case let .timeout(endpoint, phase, seconds):
            finding = Finding(code: .connectTimeout, severity: .high, title: "No answer during \(phase.rawValue)",
                              evidence: ["\(endpoint): nothing within \(seconds) s during \(phase.rawValue)"],
                              fix: phase == .connect
                                  ? "A firewall may drop the packets, or the host is down; check routing and firewall rules."
                                  : "The port accepts connections but does not answer the TLS handshake: the service may be hung, overloaded, or expect STARTTLS (--starttls).",
                              refusesClients: true)
        case let .connectionFailed(endpoint, reason):
            finding = Finding(code: .connectFailed, severity: .high, title: "Cannot connect",
                              evidence: ["\(endpoint): \(reason)"], fix: "Check the network path to the server.",
                              refusesClients: true)
        case let .notTLS(endpoint, detail):
            finding = Finding(code: .connectNotTLS, severity: .high, title: "The server does not speak TLS on this port",
                              evidence: ["\(endpoint): \(detail)"],
                              fix: "Use the TLS port, or pass --starttls smtp|imap|pop3 if the service upgrades a plaintext session.",
                              refusesClients: true)
        case let .starttlsRefused(endpoint, proto, reply):
            finding = Finding(code: .connectStartTLSRefused, severity: .high,
                              title: "\(proto.rawValue.uppercased()) server refused STARTTLS",
                              evidence: ["\(endpoint) replied: \(reply)"],
                              fix: "Enable TLS in the mail server (Postfix smtpd_tls_security_level = may with smtpd_tls_chain_files "
                                  + "or smtpd_tls_cert_file; Dovecot ssl = yes with ssl_cert / ssl_key) or use the implicit-TLS port.",
                              refusesClients: true)
        case let .implicitTLS(endpoint, requested):
            finding = Finding(code: .connectImplicitTLS, severity: .high,
                              title: "This port speaks TLS from the first byte; there is no \(requested.rawValue.uppercased()) STARTTLS here",
                              evidence: ["\(endpoint) sent no \(requested.rawValue.uppercased()) greeting but accepted a TLS handshake at once"],
                              fix: "Run again without --starttls (or with --starttls none): 465, 993 and 995 are implicit-TLS ports (RFC 8314); "
                                  + "STARTTLS belongs on 25/587 (SMTP), 143 (IMAP) and 110 (POP3).",
                              refusesClients: true)
        case let .wrongProtocol(endpoint, requested, found, greeting):
            let flag = StartTLSProtocol(rawValue: found).map { "--starttls \($0.rawValue)" }
            finding = Finding(code: .connectWrongProtocol, severity: .high,
                              title: "The server speaks \(found.uppercased()) here, not \(requested == .none ? "TLS" : requested.rawValue.uppercased())",
                              evidence: ["\(endpoint) greeted: \(greeting.prefix(200))"],
                              fix: flag.map { "Run again with \($0) (or leave --starttls out on the protocol's standard port)." }
                                  ?? "This is not a mail port; pick the port of the service you mean.",
                              refusesClients: true)
        case let .handshakeFailed(endpoint, openSSLError):
            finding = Finding(code: .connectHandshakeFailed, severity: .high, title: "The TLS handshake failed",
                              evidence: ["\(endpoint): \(openSSLError)"],
                              fix: "The server and clm share no protocol version or cipher, or the server aborted; check its TLS settings and logs.",
                              refusesClients: true)
        case let .setupFailed(endpoint, openSSLError):
            finding = Finding(code: .connectFailed, severity: .high, title: "clm could not prepare the TLS client",
                              evidence: ["\(endpoint): \(openSSLError)"], fix: "Check the --ca-file path and contents.",
                              refusesClients: true)
        }
        return Diagnosis(endpoint: target.description, expectedName: target.verificationName, checkedAt: now,
                         connected: false, wouldClientAccept: false, protocolVersion: nil, cipher: nil,
                         verification: nil, chain: [], findings: [finding])
    }

    static func summary(_ cert: CertificateInfo, position: Int) -> CertificateSummary {
        CertificateSummary(
            position: position, subject: cert.subject.description, issuer: cert.issuer.description,
            notBefore: cert.notBefore, notAfter: cert.notAfter, dnsNames: cert.dnsNames,
            ipAddresses: cert.subjectAlternativeNames.compactMap { if case let .ip(a) = $0 { a } else { nil } },
            key: cert.publicKey.algorithm.description, signatureAlgorithm: cert.signatureAlgorithm.name,
            isCA: cert.isCA, isSelfSigned: cert.isSelfSigned, fingerprintSHA256: cert.fingerprintSHA256)
    }
}

/// What every rule looks at.
struct Context {
    let result: TLSProbeResult
    /// The chain as sent, parsed (unparseable entries dropped).
    let sent: [CertificateInfo]
    /// The chain OpenSSL built (leaf to anchor when verification succeeded).
    let verified: [CertificateInfo]
    let now: Date
    let options: DiagnoseOptions
    var leaf: CertificateInfo?

    init(result: TLSProbeResult, sent: [CertificateInfo], verified: [CertificateInfo], now: Date, options: DiagnoseOptions) {
        self.result = result
        self.sent = sent
        self.verified = verified
        self.now = now
        self.options = options
        self.leaf = sent.first
    }

    /// Sent and verified certificates, each once, leaf first.
    var allCertificates: [CertificateInfo] {
        var seen: Set<String> = []
        return (sent + verified).filter { seen.insert($0.fingerprintSHA256).inserted }
    }

    /// Whether `cert` is the trust anchor OpenSSL chose (verification OK and
    /// the last of the verified chain).
    func isTrustedAnchor(_ cert: CertificateInfo) -> Bool {
        result.verification.isOK && verified.count > 1 && verified.last == cert && cert.isSelfSigned
    }
}

/// "CN=foo (certificate 1)" for evidence lines.
func describe(_ cert: CertificateInfo, in chain: [CertificateInfo]) -> String {
    let name = cert.subject.description.isEmpty ? "(empty subject)" : cert.subject.description
    if let index = chain.firstIndex(of: cert) { return "certificate \(index) \(name)" }
    return "\(name) (from the trust store)"
}

/// Whether `issuer` plausibly issued `cert`: names match and key
/// identifiers, where both are present, agree.
func isIssuer(_ issuer: CertificateInfo, of cert: CertificateInfo) -> Bool {
    guard issuer.subject == cert.issuer else { return false }
    if let aki = cert.authorityKeyIdentifier, let ski = issuer.subjectKeyIdentifier { return aki == ski }
    return true
}

func iso(_ date: Date) -> String { date.ISO8601Format() }
