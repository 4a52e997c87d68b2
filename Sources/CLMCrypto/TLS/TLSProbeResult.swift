public import Foundation

/// What one TLS handshake showed about an endpoint.
///
/// Everything is plain data (DER bytes, strings, codes) so it can cross
/// threads, be stored in the inventory and be judged later by the diagnoser.
public struct TLSProbeResult: Sendable, Codable, Hashable {
    public var target: TLSTarget
    /// The address actually connected to (`127.0.0.1`, `::1`).
    public var address: String
    /// The certificates exactly as the server sent them, leaf first.
    public var peerChain: [[UInt8]]
    /// The chain OpenSSL built while verifying (leaf to trust anchor when
    /// verification succeeded; possibly partial when it failed).
    public var verifiedChain: [[UInt8]]
    /// Negotiated protocol, as OpenSSL names it (`TLSv1.3`).
    public var protocolVersion: String
    /// Negotiated cipher suite, OpenSSL name (`TLS_AES_256_GCM_SHA384`).
    public var cipher: String
    /// Whether and how the server asked for a client certificate.
    public var clientCertificate: ClientCertificateRequest
    /// Distinguished names (RFC 2253) of the CAs the server accepts client
    /// certificates from, as sent in its CertificateRequest.
    public var acceptableClientCANames: [String]
    /// Whether the server stapled an OCSP response.
    public var ocspStapled: Bool
    /// OpenSSL's verdict on the chain (trust store or CA file, host name).
    public var verification: VerifyResult
    /// The versions the server accepted, when version probing was asked for.
    public var supportedVersions: [TLSVersion]?
    /// The server's clock as far as the dialogue revealed it (an HTTP `Date`
    /// header or an SMTP banner date), for clock-skew diagnosis.
    public var serverDate: Date?
    /// The plaintext lines exchanged before STARTTLS (server replies only).
    public var starttlsTranscript: [String]
    /// The first command after the handshake and the server's answer, when
    /// ``TLSProbeOptions/checkSession`` was set and the port speaks a mail protocol.
    public var session: SessionCheck?

    /// The server software named in the greeting (`Postfix`, `Dovecot`), if any.
    public var software: String? { MailGreeting.software(in: starttlsTranscript + (session?.replies ?? [])) }

    public init(target: TLSTarget, address: String, peerChain: [[UInt8]], verifiedChain: [[UInt8]],
                protocolVersion: String, cipher: String, clientCertificate: ClientCertificateRequest,
                acceptableClientCANames: [String], ocspStapled: Bool, verification: VerifyResult,
                supportedVersions: [TLSVersion]? = nil, serverDate: Date? = nil, starttlsTranscript: [String] = []) {
        self.target = target
        self.address = address
        self.peerChain = peerChain
        self.verifiedChain = verifiedChain
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.clientCertificate = clientCertificate
        self.acceptableClientCANames = acceptableClientCANames
        self.ocspStapled = ocspStapled
        self.verification = verification
        self.supportedVersions = supportedVersions
        self.serverDate = serverDate
        self.starttlsTranscript = starttlsTranscript
    }

    /// The negotiated version as an enum, when it is one we know.
    public var negotiatedVersion: TLSVersion? { TLSVersion(rawValue: protocolVersion) }

    /// Whether the server sent a CertificateRequest.
    public var clientCertificateRequested: Bool { clientCertificate != .notRequested }
}

/// Whether the server asked for a client certificate.
public enum ClientCertificateRequest: String, Sendable, Codable, Hashable {
    case notRequested
    /// Asked, but the handshake went on without one.
    case optional
    /// Asked, and the server ended the connection when none was sent.
    case required
}

/// OpenSSL's chain verification outcome: an `X509_V_*` code and its text.
public struct VerifyResult: Sendable, Codable, Hashable, CustomStringConvertible {
    /// `X509_V_OK` (0) or an `X509_V_ERR_*` value.
    public var code: Int
    public var text: String
    /// Depth in the chain where the error was found (0 = leaf), when known.
    public var depth: Int?

    public init(code: Int, text: String, depth: Int? = nil) {
        self.code = code
        self.text = text
        self.depth = depth
    }

    public var isOK: Bool { code == VerifyResult.ok }
    public var description: String { "\(code) (\(text))" }

    // The X509_V_ codes the diagnoser names (values from openssl/x509_vfy.h).
    public static let ok = 0
    public static let unableToGetIssuerCert = 2
    public static let certNotYetValid = 9
    public static let certHasExpired = 10
    public static let depthZeroSelfSigned = 18
    public static let selfSignedInChain = 19
    public static let unableToGetIssuerCertLocally = 20
    public static let unableToVerifyLeafSignature = 21
    public static let invalidCA = 24
    public static let certUntrusted = 27
    public static let certRejected = 28
    public static let eeKeyTooSmall = 66
    public static let caKeyTooSmall = 67
    public static let caMDTooWeak = 68
    public static let hostnameMismatch = 62
    public static let ipAddressMismatch = 64
}
