import Foundation
import Testing
@testable import CLMCrypto
import CLMTestSupport

@Suite("TLS probe against real servers on loopback")
struct TLSProberTests {
    let ca: TestCA

    init() throws {
        ca = try TestCA()
    }

    private func prober(_ options: TLSProbeOptions? = nil) throws -> TLSProber {
        try TLSProber(options: options ?? TLSProbeOptions(connectTimeout: 3, handshakeTimeout: 3, caFile: ca.root.certPath))
    }

    /// Probes an `openssl s_server` for localhost that asks for client
    /// certificates as `serverArguments` say (`-Verify 1`, `-verify 1`, ...).
    private func probeAskingForClientCertificates(_ serverArguments: [String]) async throws -> TLSProbeResult {
        let leaf = try ca.issue("localhost")
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: ca.intermediate.certPath, extraArgs: serverArguments)
        defer { withExtendedLifetime(server) {} }
        return try await prober().probe(TLSTarget(host: "localhost", port: server.port)).get()
    }

    @Test("A healthy server's chain, protocol and verification are recorded")
    func healthyServer() async throws {
        let leaf = try ca.issue("localhost", sans: ["localhost", "127.0.0.1"])
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: ca.intermediate.certPath)
        let result = try await prober().probe(TLSTarget(host: "127.0.0.1", port: server.port, sni: "localhost")).get()
        #expect(result.peerChain.count == 2)
        #expect(result.peerChain.first == (try leaf.der()))
        #expect(result.verification.isOK, "\(result.verification)")
        #expect(result.verifiedChain.count == 3)
        #expect(result.protocolVersion == "TLSv1.3")
        #expect(!result.cipher.isEmpty)
        #expect(result.clientCertificate == .notRequested)
        #expect(result.address == "127.0.0.1")
    }

    /// openssl s_server serves one connection at a time: the probe must hang up the
    /// silent STARTTLS attempt before it tries TLS directly, or the second
    /// connection waits in the backlog until the deadline (a timeout, wrong advice).
    @Test("--starttls imap on a one-connection-at-a-time implicit-TLS server is named implicit TLS, not a timeout")
    func implicitTLSOnASingleConnectionServer() async throws {
        let leaf = try ca.issue("localhost", sans: ["localhost", "127.0.0.1"])
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: ca.intermediate.certPath)
        defer { server.stop() }
        let prober = try prober(TLSProbeOptions(connectTimeout: 3, handshakeTimeout: 20, caFile: ca.root.certPath))
        switch await prober.probe(TLSTarget(host: "127.0.0.1", port: server.port, sni: "localhost", starttls: .imap)) {
        case let .failure(.implicitTLS(_, requested)): #expect(requested == .imap)
        case let other: Issue.record("expected implicit TLS, got \(other)")
        }
        // The server is free again afterwards: the plain probe succeeds.
        let result = try await prober.probe(TLSTarget(host: "127.0.0.1", port: server.port, sni: "localhost")).get()
        #expect(result.peerChain.first == (try leaf.der()))
    }

    @Test("A name the certificate does not cover fails OpenSSL's host check")
    func wrongName() async throws {
        let leaf = try ca.issue("other.example")
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: ca.intermediate.certPath)
        let result = try await prober().probe(TLSTarget(host: "127.0.0.1", port: server.port, sni: "localhost")).get()
        #expect(result.verification.code == VerifyResult.hostnameMismatch)
    }

    @Test("A required client certificate is detected with the accepted CA names")
    func clientCertificateRequired() async throws {
        let result = try await probeAskingForClientCertificates(["-Verify", "1", "-CAfile", ca.root.certPath])
        #expect(result.clientCertificate == .required)
        #expect(result.acceptableClientCANames.contains { $0.contains("clm Test Root CA") })
        #expect(result.peerChain.count == 2)
    }

    @Test("A TLS 1.2 server requiring a client certificate still yields its chain")
    func clientCertificateRequiredTLS12() async throws {
        let result = try await probeAskingForClientCertificates(["-Verify", "1", "-CAfile", ca.root.certPath, "-tls1_2"])
        #expect(result.clientCertificate == .required)
        #expect(result.peerChain.count == 2)
    }

    @Test("An optional client certificate request is told apart from a required one")
    func clientCertificateOptional() async throws {
        let result = try await probeAskingForClientCertificates(["-verify", "1", "-CAfile", ca.root.certPath])
        #expect(result.clientCertificate == .optional)
    }

    @Test("Version probing finds a TLS 1.0-only server")
    func tls10Only() async throws {
        let leaf = try ca.issue("localhost")
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: ca.intermediate.certPath,
                                             extraArgs: ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"])
        let options = TLSProbeOptions(connectTimeout: 3, handshakeTimeout: 3, caFile: ca.root.certPath, probeVersions: true)
        let result = try await prober(options).probe(TLSTarget(host: "localhost", port: server.port)).get()
        #expect(result.protocolVersion == "TLSv1")
        #expect(result.supportedVersions == [.tls1_0])
    }

    @Test("Version probing lists TLS 1.2 and 1.3 for a default server")
    func modernVersions() async throws {
        let leaf = try ca.issue("localhost")
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: ca.intermediate.certPath)
        let options = TLSProbeOptions(connectTimeout: 3, handshakeTimeout: 3, caFile: ca.root.certPath, probeVersions: true)
        let result = try await prober(options).probe(TLSTarget(host: "localhost", port: server.port)).get()
        #expect(result.supportedVersions?.contains(.tls1_3) == true)
        #expect(result.supportedVersions?.contains(.tls1_2) == true)
        #expect(result.supportedVersions?.contains(.tls1_0) == false)
    }

    @Test("STARTTLS works for SMTP, IMAP and POP3", arguments: [StartTLSProtocol.smtp, .imap, .pop3])
    func starttls(_ proto: StartTLSProtocol) async throws {
        let leaf = try ca.issue("localhost")
        let bundle = try ca.bundle([leaf, ca.intermediate], name: "starttls-\(proto.rawValue).pem")
        let server = try StartTLSServer.start(protocol: proto.rawValue, cert: bundle, key: leaf.keyPath)
        let result = try await prober().probe(TLSTarget(host: "localhost", port: server.port, starttls: proto)).get()
        #expect(result.verification.isOK, "\(result.verification)")
        #expect(result.peerChain.count == 2)
        #expect(!result.starttlsTranscript.isEmpty)
    }

    @Test("A server that refuses STARTTLS is reported with its reply", arguments: [StartTLSProtocol.smtp, .imap, .pop3])
    func starttlsRefused(_ proto: StartTLSProtocol) async throws {
        let leaf = try ca.issue("localhost")
        let server = try StartTLSServer.start(protocol: proto.rawValue, cert: leaf.certPath, key: leaf.keyPath, refuse: true)
        let outcome = try await prober().probe(TLSTarget(host: "localhost", port: server.port, starttls: proto))
        guard case let .failure(.starttlsRefused(endpoint, p, reply)) = outcome else {
            Issue.record("expected starttlsRefused, got \(outcome)")
            return
        }
        #expect(endpoint == "localhost:\(server.port)")
        #expect(p == proto)
        #expect(!reply.isEmpty)
    }

    @Test("A plaintext server on an implicit-TLS port is reported as not TLS")
    func plaintextIsNotTLS() async throws {
        let leaf = try ca.issue("localhost")
        let server = try StartTLSServer.start(protocol: "smtp", cert: leaf.certPath, key: leaf.keyPath)
        let outcome = try await prober().probe(TLSTarget(host: "127.0.0.1", port: server.port, starttls: StartTLSProtocol.none))
        guard case .failure(.notTLS) = outcome else {
            Issue.record("expected notTLS, got \(outcome)")
            return
        }
    }

    @Test("A closed port is reported as connection refused")
    func refused() async throws {
        let port = try closedLocalPort()
        let outcome = try await prober().probe(TLSTarget(host: "127.0.0.1", port: port))
        guard case .failure(.connectionRefused) = outcome else {
            Issue.record("expected connectionRefused, got \(outcome)")
            return
        }
    }

    @Test("An unresolvable name is reported as a DNS failure")
    func dnsFailure() async throws {
        let outcome = try await prober().probe(TLSTarget(host: "no-such-host.invalid", port: 443))
        guard case .failure(.dnsFailure(let endpoint, _)) = outcome else {
            Issue.record("expected dnsFailure, got \(outcome)")
            return
        }
        #expect(endpoint == "no-such-host.invalid:443")
    }

    @Test("A silent server times out alone while the rest of the batch finishes")
    func silentServerInBatch() async throws {
        let leaf = try ca.issue("localhost")
        let server = try OpenSSLServer.start(cert: leaf.certPath, key: leaf.keyPath, chain: ca.intermediate.certPath)
        let silent = try SilentServer()
        // s_server takes one connection at a time: queued handshakes need room on a loaded machine.
        let options = TLSProbeOptions(connectTimeout: 5, handshakeTimeout: 5, caFile: ca.root.certPath)
        var targets = [TLSTarget(host: "127.0.0.1", port: silent.port)]
        targets += Array(repeating: TLSTarget(host: "localhost", port: server.port), count: 6)
        let outcomes = try await prober(options).probe(targets, concurrency: 3)
        #expect(outcomes.count == 7)
        guard case .failure(.timeout(_, .handshake, _)) = outcomes[0].result else {
            Issue.record("expected a handshake timeout, got \(outcomes[0].result)")
            return
        }
        for outcome in outcomes.dropFirst() {
            #expect((try? outcome.result.get())?.verification.isOK == true)
        }
    }

    @Test("Endpoint strings parse host, port and IPv6 literals", arguments: [
        ("mail.example.com:993", "mail.example.com", UInt16(993), StartTLSProtocol.none),
        ("[::1]:443", "::1", 443, .none),
        ("smtp.example.com:587", "smtp.example.com", 587, .smtp),
        ("10.0.0.1:143", "10.0.0.1", 143, .imap),
        ("pop.example.com:110", "pop.example.com", 110, .pop3),
    ])
    func parsing(_ text: String, host: String, port: UInt16, proto: StartTLSProtocol) throws {
        let target = try TLSTarget.parse(text)
        #expect(target.host == host)
        #expect(target.port == port)
        #expect(target.starttls == proto)
        #expect(target.description == text)
    }

    @Test("IP literals get no SNI and bad endpoint strings are rejected")
    func parsingEdges() throws {
        #expect(try TLSTarget.parse("[::1]:443").serverName == nil)
        #expect(try TLSTarget.parse("127.0.0.1:443", sni: "a.example").serverName == "a.example")
        #expect(throws: TLSTargetParseError.self) { try TLSTarget.parse("host:notaport") }
        #expect(throws: TLSTargetParseError.self) { try TLSTarget.parse("host") }
        #expect(throws: TLSTargetParseError.self) { try TLSTarget.parse("[::1") }
    }
}
