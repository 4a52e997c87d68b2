public import CLMCore
public import Foundation

/// The answer to "why would a client refuse this server?": findings, a
/// verdict and the exit status clm uses.
public struct Diagnosis: Sendable, Codable, Hashable {
    /// `host:port` as given.
    public var endpoint: String
    /// The name the certificate must cover (SNI or host).
    public var expectedName: String
    /// The clock the diagnosis used.
    public var checkedAt: Date
    /// Whether a TLS handshake took place.
    public var connected: Bool
    /// Whether a default client (system trust or the given CA file, host
    /// name check, no client certificate) would accept the server.
    public var wouldClientAccept: Bool
    public var protocolVersion: String?
    public var cipher: String?
    /// OpenSSL's verification verdict, when connected.
    public var verification: VerifyResultSummary?
    /// The chain as the server sent it, leaf first.
    public var chain: [CertificateSummary]
    /// Worst first.
    public var findings: [Finding]

    /// 0: a default client accepts and nothing is high or worse;
    /// 1: a client would refuse, or a finding is high or critical;
    /// 2: could not connect or complete a handshake.
    public var exitCode: Int32 {
        if !connected { return 2 }
        if !wouldClientAccept || findings.contains(where: { $0.severity >= .high }) { return 1 }
        return 0
    }

    /// The worst severity found, if any.
    public var worstSeverity: Severity? { findings.map(\.severity).max() }

    /// Whether a finding with `code` is present.
    public func has(_ code: FindingCode) -> Bool { findings.contains { $0.code == code } }
}

/// `X509_V_*` code and text.
public struct VerifyResultSummary: Sendable, Codable, Hashable {
    public var code: Int
    public var text: String
}

/// What the diagnosis shows of each certificate in the chain.
public struct CertificateSummary: Sendable, Codable, Hashable {
    public var position: Int
    public var subject: String
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date
    public var dnsNames: [String]
    public var ipAddresses: [String]
    public var key: String
    public var signatureAlgorithm: String
    public var isCA: Bool
    public var isSelfSigned: Bool
    public var fingerprintSHA256: String
}
