internal import Foundation
internal import CLMCrypto

/// Asks a TLS endpoint which certificate it serves.
public protocol EndpointProbing: Sendable {
    /// SHA-256 (hex) of the leaf certificate `endpoint` sends. Blocking.
    func servedFingerprint(_ endpoint: VerifyEndpoint) throws(DeployError) -> String
}

/// Probes with `openssl s_client` run through ``HookRunner`` (argv, no shell),
/// until the in-process TLS prober (CLMCrypto TLSProber) is on main.
public struct OpenSSLClientProbe: EndpointProbing {
    public var timeout: Double

    public init(timeout: Double = 10) { self.timeout = timeout }

    public func servedFingerprint(_ endpoint: VerifyEndpoint) throws(DeployError) -> String {
        let host = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        var argv = ["openssl", "s_client", "-connect", "\(host):\(endpoint.port)"]
        if let name = endpoint.serverName { argv += ["-servername", name] }
        let outcome: HookRunner.Outcome
        do { outcome = try HookRunner().run(argv, environment: [:], timeout: timeout) } catch {
            throw .verifyUnreachable(endpoint: endpoint.description, why: "\(error) (apt-get install -y openssl)")
        }
        guard let der = IssuedCertificate.derBlocks(fromPEM: outcome.output).first else {
            let reason = outcome.timedOut ? "no answer within \(Int(timeout)) s" : String(outcome.output.suffix(300))
            throw .verifyUnreachable(endpoint: endpoint.description, why: reason.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return Digest.sha256Hex(der)
    }
}

/// Waits until an endpoint serves the expected certificate.
struct EndpointVerifier: Sendable {
    let probe: any EndpointProbing
    var attempts = 20
    var pause: Double = 0.25

    /// Succeeds once `endpoint` serves `expected`; retries while workers
    /// of the reloaded server still hold the old certificate.
    func require(_ expected: String, at endpoint: VerifyEndpoint) throws(DeployError) {
        var last: DeployError = .verifyUnreachable(endpoint: endpoint.description, why: "not probed")
        for attempt in 0..<attempts {
            do {
                let served = try probe.servedFingerprint(endpoint)
                if served == expected { return }
                last = .verifyFailed(endpoint: endpoint.description, expected: expected, served: served)
            } catch {
                last = error
            }
            if attempt + 1 < attempts { usleep(UInt32(pause * 1_000_000)) }
        }
        throw last
    }
}
