import Foundation
import Testing
import CLMCrypto
import CLMDiscover
import CLMTestSupport

/// Each flawed server on loopback must be diagnosed with the right code.
@Suite("Diagnose real openssl s_server endpoints")
struct DiagnoserLiveTests {
    let ca: TestCA
    let day: TimeInterval = 86_400

    init() throws { ca = try TestCA() }

    /// Starts s_server with `leaf` (+ chain), probes it as `name`, diagnoses.
    private func diagnose(_ leaf: TestCertificate, chain: [TestCertificate]? = nil, name: String = "localhost",
                          extraArgs: [String] = [], caFile: String?? = .none, probeVersions: Bool = false) async throws -> Diagnosis {
        let chainCerts = chain ?? [ca.intermediate]
        let chainFile = chainCerts.isEmpty ? nil : try ca.bundle(chainCerts, name: "chain-\(UUID().uuidString).pem")
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: chainFile, extraArgs: extraArgs)
        let trust: String? = switch caFile { case .none: ca.root.certPath; case let .some(value): value }
        let prober = try TLSProber(options: TLSProbeOptions(connectTimeout: 3, handshakeTimeout: 3, caFile: trust,
                                                            probeVersions: probeVersions))
        let result = await prober.probe(TLSTarget(host: "127.0.0.1", port: server.port, sni: name))
        return Diagnoser.diagnose(observation: TLSProbeOutcome(target: TLSTarget(host: "127.0.0.1", port: server.port, sni: name),
                                                               result: result),
                                  now: Date(), options: DiagnoseOptions(usedCAFile: trust != nil))
    }

    private func codes(_ d: Diagnosis) -> [String] { d.findings.map(\.code.rawValue) }

    @Test("A healthy server is accepted with exit status 0")
    func healthy() async throws {
        let d = try await diagnose(try ca.issue("localhost"), probeVersions: true)
        #expect(d.wouldClientAccept, "\(codes(d))")
        #expect(d.exitCode == 0, "\(codes(d))")
        #expect(d.chain.count == 2)
    }

    @Test("An expired certificate is reported as cert.expired")
    func expired() async throws {
        let leaf = try ca.issue("localhost", notBefore: Date().addingTimeInterval(-100 * day),
                                notAfter: Date().addingTimeInterval(-10 * day))
        let d = try await diagnose(leaf)
        #expect(d.has(.certExpired), "\(codes(d))")
        #expect(!d.wouldClientAccept)
        #expect(d.exitCode == 1)
    }

    @Test("A certificate valid from tomorrow is reported as not yet valid with both clocks")
    func notYetValid() async throws {
        let leaf = try ca.issue("localhost", notBefore: Date().addingTimeInterval(day), notAfter: Date().addingTimeInterval(60 * day))
        let d = try await diagnose(leaf)
        let finding = try #require(d.findings.first { $0.code == .certNotYetValid }, "\(codes(d))")
        #expect(finding.evidence.contains { $0.hasPrefix("local clock:") })
        #expect(finding.evidence.contains { $0.hasPrefix("server clock:") })
    }

    @Test("A certificate for another name is reported as cert.name-mismatch listing what it covers")
    func wrongName() async throws {
        let d = try await diagnose(try ca.issue("www.example.org", sans: ["www.example.org", "*.example.org"]))
        let finding = try #require(d.findings.first { $0.code == .certNameMismatch }, "\(codes(d))")
        #expect(finding.evidence.contains { $0.contains("DNS:*.example.org") })
        #expect(d.exitCode == 1)
    }

    @Test("A server that omits the intermediate is reported as chain.incomplete naming it")
    func missingIntermediate() async throws {
        let leaf = try ca.issue("localhost", caIssuersURL: "http://ca.example/intermediate.cer")
        let d = try await diagnose(leaf, chain: [])
        let finding = try #require(d.findings.first { $0.code == .chainIncomplete }, "\(codes(d))")
        #expect(finding.evidence.contains { $0.contains("clm Test Intermediate CA") })
        #expect(finding.evidence.contains { $0.contains("http://ca.example/intermediate.cer") })
        #expect(!d.wouldClientAccept)
    }

    @Test("A self-signed certificate is reported as chain.self-signed")
    func selfSigned() async throws {
        let d = try await diagnose(try ca.issue("localhost", issuer: .selfSigned), chain: [])
        #expect(d.has(.chainSelfSigned), "\(codes(d))")
    }

    @Test("A private CA without --ca-file is reported as chain.untrusted-root")
    func untrustedRoot() async throws {
        let d = try await diagnose(try ca.issue("localhost"), caFile: .some(nil))
        #expect(d.has(.chainUntrustedRoot), "\(codes(d))")
        #expect(!d.has(.chainIncomplete))
    }

    @Test("An RSA-1024 key is reported as key.weak")
    func weakKey() async throws {
        let leaf = try ca.issue("localhost", key: .rsa(bits: 1024))
        let d = try await diagnose(leaf, extraArgs: ["-cipher", "DEFAULT@SECLEVEL=0"])
        #expect(d.has(.keyWeak), "\(codes(d))")
        #expect(d.exitCode == 1)
    }

    @Test("A SHA-1 signed certificate is reported as signature.weak")
    func sha1() async throws {
        let leaf = try ca.issue("localhost", digest: "sha1")
        let d = try await diagnose(leaf, extraArgs: ["-cipher", "DEFAULT@SECLEVEL=0"])
        #expect(d.has(.signatureWeak), "\(codes(d))")
    }

    @Test("A server requiring a client certificate is reported with the CA names it accepts")
    func clientCertRequired() async throws {
        let d = try await diagnose(try ca.issue("localhost"), extraArgs: ["-Verify", "1", "-CAfile", ca.root.certPath])
        let finding = try #require(d.findings.first { $0.code == .clientCertRequired }, "\(codes(d))")
        #expect(finding.evidence.contains { $0.contains("clm Test Root CA") })
        #expect(d.exitCode == 1)
    }

    @Test("A TLS 1.0-only server is reported as protocol.only-deprecated")
    func tls10Only() async throws {
        let d = try await diagnose(try ca.issue("localhost"), extraArgs: ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"],
                                   probeVersions: true)
        #expect(d.has(.protocolOnlyDeprecated), "\(codes(d))")
        #expect(d.exitCode == 1)
    }

    @Test("A server also accepting TLS 1.0 and 1.1 is reported as protocol.deprecated-accepted")
    func tls10Accepted() async throws {
        let d = try await diagnose(try ca.issue("localhost"), extraArgs: ["-cipher", "DEFAULT@SECLEVEL=0"],
                                   probeVersions: true)
        #expect(d.has(.protocolDeprecatedAccepted), "\(codes(d))")
    }

    @Test("A chain sent root first is reported as wrong order and as including the root")
    func wrongOrderWithRoot() async throws {
        let d = try await diagnose(try ca.issue("localhost"), chain: [ca.root, ca.intermediate])
        #expect(d.has(.chainWrongOrder), "\(codes(d))")
        #expect(d.has(.chainIncludesRoot), "\(codes(d))")
        #expect(d.wouldClientAccept, "\(codes(d))")
    }

    @Test("A leaf valid for 500 days is reported as cert.validity-too-long")
    func validityTooLong() async throws {
        let d = try await diagnose(try ca.issue("localhost", notAfter: Date().addingTimeInterval(500 * day)))
        #expect(d.has(.certValidityTooLong), "\(codes(d))")
    }

    @Test("An intermediate expiring before the leaf is reported")
    func intermediateExpiresFirst() async throws {
        let shortCA = try TestCA(intermediateNotAfter: Date().addingTimeInterval(20 * day))
        let leaf = try shortCA.issue("localhost", notAfter: Date().addingTimeInterval(80 * day))
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: shortCA.intermediate.certPath)
        let target = TLSTarget(host: "localhost", port: server.port)
        let prober = try TLSProber(options: TLSProbeOptions(connectTimeout: 3, handshakeTimeout: 3, caFile: shortCA.root.certPath))
        let d = Diagnoser.diagnose(observation: TLSProbeOutcome(target: target, result: await prober.probe(target)), now: Date())
        #expect(d.has(.chainIntermediateExpiresFirst), "\(codes(d))")
    }

    @Test("A STARTTLS SMTP server with a good certificate is accepted")
    func starttlsSMTP() async throws {
        let leaf = try ca.issue("localhost")
        let bundle = try ca.bundle([leaf, ca.intermediate], name: "smtp.pem")
        let server = try StartTLSServer.start(protocol: "smtp", cert: bundle, key: leaf.keyPath)
        let target = TLSTarget(host: "localhost", port: server.port, starttls: .smtp)
        let prober = try TLSProber(options: TLSProbeOptions(connectTimeout: 3, handshakeTimeout: 3, caFile: ca.root.certPath))
        let d = Diagnoser.diagnose(observation: TLSProbeOutcome(target: target, result: await prober.probe(target)), now: Date())
        #expect(d.exitCode == 0, "\(codes(d))")
    }

    @Test("Connection failures map to connect codes and exit status 2")
    func connectionFailures() async throws {
        let silent = try SilentServer()
        let closed = try closedLocalPort()
        let plaintext = try StartTLSServer.start(protocol: "pop3", cert: ca.root.certPath, key: ca.root.keyPath)
        let targets = [TLSTarget(host: "127.0.0.1", port: silent.port),
                       TLSTarget(host: "127.0.0.1", port: closed),
                       TLSTarget(host: "127.0.0.1", port: plaintext.port, starttls: StartTLSProtocol.none),
                       TLSTarget(host: "no-such-host.invalid", port: 443)]
        let prober = try TLSProber(options: TLSProbeOptions(timeout: 3))
        let outcomes = await prober.probe(targets, concurrency: 4)
        let found = outcomes.map { Diagnoser.diagnose(observation: $0, now: Date()) }
        #expect(found.map { $0.findings.first?.code } == [.connectTimeout, .connectRefused, .connectNotTLS, .connectDNS])
        #expect(found.allSatisfy { $0.exitCode == 2 })
    }

    @Test("A diagnosis encodes to JSON with stable field names")
    func json() async throws {
        let d = try await diagnose(try ca.issue("www.example.org"))
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(d)) as? [String: Any]
        let keys = Set(object?.keys.map { $0 } ?? [])
        #expect(keys.isSuperset(of: ["endpoint", "connected", "wouldClientAccept", "findings", "chain", "checkedAt"]))
        let first = (object?["findings"] as? [[String: Any]])?.first
        #expect(first?["code"] as? String == "cert.name-mismatch")
        #expect(first?["severity"] as? String == "critical")
    }
}
