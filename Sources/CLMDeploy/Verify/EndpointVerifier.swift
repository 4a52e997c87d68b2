internal import Foundation
internal import CLMCrypto

/// Asks a TLS endpoint which certificate it serves.
public protocol EndpointProbing: Sendable {
    /// SHA-256 (hex) of the leaf certificate `endpoint` sends. Blocking.
    func servedFingerprint(_ endpoint: VerifyEndpoint) throws(DeployError) -> String
}

/// Probes with CLMCrypto's ``TLSProber``: one in-process handshake to the
/// endpoint's host:port with the endpoint's SNI name (the first domain unless
/// `verify_sni` says otherwise), non-blocking socket and poll(2) deadlines.
/// On mail ports (STARTTLS, or implicit TLS on 465/993/995 or `tls=PROTO`)
/// the session must also still work: the first command after the handshake
/// (EHLO, CAPABILITY, CAPA) has to be accepted.
///
/// Only the leaf's fingerprint matters: the chain is checked against
/// `caFile` (or the system store) but a failed verification does not fail the
/// probe, so private CAs and pebble need no trust configuration.
public struct TLSEndpointProbe: EndpointProbing {
    public let timeout: Double
    private let prober: Result<TLSProber, OpenSSLError>

    public init(timeout: Double = 5, caFile: String? = nil) {
        self.timeout = timeout
        do throws(OpenSSLError) {
            prober = .success(try TLSProber(options: TLSProbeOptions(timeout: timeout, caFile: caFile, checkSession: true)))
        } catch {
            prober = .failure(error)
        }
    }

    public func servedFingerprint(_ endpoint: VerifyEndpoint) throws(DeployError) -> String {
        let tls: TLSProber
        switch prober {
        case .success(let value): tls = value
        case .failure(let error): throw .verifyUnreachable(endpoint: endpoint.description, why: "TLS client setup failed: \(error)")
        }
        guard let port = UInt16(exactly: endpoint.port) else {
            throw .verifyUnreachable(endpoint: endpoint.description, why: "port \(endpoint.port) is out of range")
        }
        let target = TLSTarget(host: endpoint.host, port: port, sni: endpoint.serverName, starttls: endpoint.starttls,
                               application: endpoint.application)
        switch tls.probeBlocking(target) {
        case .success(let result):
            guard let leaf = result.peerChain.first else {
                throw .verifyUnreachable(endpoint: endpoint.description, why: "the server sent no certificate")
            }
            // A mail server can serve the right certificate and still refuse every session after it.
            if let session = result.session, !session.accepted {
                throw .verifySessionRefused(endpoint: endpoint.description, command: session.command, reply: session.serverSaid)
            }
            return Digest.sha256Hex(leaf)
        case .failure(let error):
            throw .verifyUnreachable(endpoint: endpoint.description, why: error.description)
        }
    }
}

/// Waits until an endpoint serves the expected certificate.
///
/// Right after `nginx -s reload` old workers may still accept connections
/// for a moment next to the new ones, so one matching handshake is not
/// enough: the endpoint must serve `expected` on `confirmations` probes in a
/// row (an in-process handshake on loopback costs ~1-5 ms).
struct EndpointVerifier: Sendable {
    let probe: any EndpointProbing
    var attempts = 20
    var pause: Double = 0.25
    var confirmations = 3

    /// Succeeds once `endpoint` serves `expected` steadily; retries while workers
    /// of the reloaded server still hold the old certificate.
    func require(_ expected: String, at endpoint: VerifyEndpoint) throws(DeployError) {
        var last: DeployError = .verifyUnreachable(endpoint: endpoint.description, why: "not probed")
        for attempt in 0..<attempts {
            var matched = 0
            do {
                while matched < max(1, confirmations) {
                    let served = try probe.servedFingerprint(endpoint)
                    guard served == expected else {
                        last = .verifyFailed(endpoint: endpoint.description, expected: expected, served: served)
                        break
                    }
                    matched += 1
                }
                if matched >= max(1, confirmations) { return }
            } catch {
                last = error
            }
            if attempt + 1 < attempts { usleep(UInt32(pause * 1_000_000)) }
        }
        throw last
    }
}
