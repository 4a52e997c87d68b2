internal import Foundation
internal import COpenSSL
internal import CShims

/// Connects to TLS endpoints and records what their handshake shows: the
/// chain as sent, protocol and cipher, client-certificate requests, OCSP
/// stapling, OpenSSL's verification verdict and, optionally, which protocol
/// versions are accepted.
///
/// Sockets are non-blocking and every wait is bounded by `poll(2)` against
/// a deadline, so a silent endpoint costs at most its timeouts. Name
/// resolution (`getaddrinfo`) blocks, so the async entry points run probes on
/// dedicated threads (see ``probe(_:)`` and ``probe(_:concurrency:)``), never
/// on Swift's cooperative pool.
///
/// Verification never aborts the handshake: a chain a client would refuse is
/// still fetched, and the refusal reason is reported in
/// ``TLSProbeResult/verification``.
public final class TLSProber: Sendable {
    public let options: TLSProbeOptions
    private let main: TLSClientContext
    private let pinned: [TLSVersion: TLSClientContext]

    /// - Throws: ``OpenSSLError`` when the CA file cannot be loaded.
    public init(options: TLSProbeOptions = TLSProbeOptions()) throws(OpenSSLError) {
        self.options = options
        main = try TLSClientContext(pinned: nil, trust: true, caFile: options.caFile)
        var pinned: [TLSVersion: TLSClientContext] = [:]
        if options.probeVersions {
            for version in TLSVersion.allCases {
                pinned[version] = try TLSClientContext(pinned: version, trust: false, caFile: nil)
            }
        }
        self.pinned = pinned
    }

    /// Probes one endpoint, blocking the calling thread.
    ///
    /// - Warning: blocks for up to the timeouts (and on DNS); call it from a
    ///   dedicated thread, or use the async ``probe(_:)``.
    public func probeBlocking(_ target: TLSTarget) -> Result<TLSProbeResult, TLSProbeError> {
        probeBlocking(target, resolved: HostResolver.resolve(host: target.host, port: target.port))
    }

    /// Probes with addresses resolved beforehand (one lookup per host and scan).
    public func probeBlocking(_ target: TLSTarget,
                              resolved: Result<[ResolvedAddress], ResolveFailure>) -> Result<TLSProbeResult, TLSProbeError> {
        let endpoint = target.description
        let addresses: [ResolvedAddress]
        switch resolved {
        case let .success(list): addresses = list
        case let .failure(failure): return .failure(.dnsFailure(endpoint: endpoint, reason: failure.reason))
        }
        let first: Session
        switch runSession(target, addresses: addresses, context: main, inspect: true) {
        case let .success(session): first = session
        case let .failure(error): return .failure(error)
        }
        guard var result = first.result else {
            return .failure(.handshakeFailed(endpoint: endpoint, error: first.failure
                ?? OpenSSLError(operation: "TLS handshake", call: "SSL_connect", stack: [])))
        }
        if options.probeVersions, let negotiated = result.negotiatedVersion {
            var accepted: [TLSVersion] = [negotiated]
            for version in TLSVersion.allCases where version < negotiated {
                guard let context = pinned[version] else { continue }
                if case let .success(session) = runSession(target, addresses: addresses, context: context, inspect: false),
                   session.accepted {
                    accepted.append(version)
                }
            }
            result.supportedVersions = accepted.sorted()
        }
        return .success(result)
    }

    /// What one connection produced: a full result (inspect mode) or only
    /// whether the handshake was accepted (version probing).
    private struct Session {
        var accepted: Bool
        var result: TLSProbeResult?
        var failure: OpenSSLError?
    }

    private func connect(_ addresses: [ResolvedAddress], endpoint: String) -> Result<ProbeSocket, TLSProbeError> {
        switch ProbeSocket.connect(to: addresses, deadline: Deadline(seconds: options.connectTimeout)) {
        case let .success(socket): return .success(socket)
        case .failure(.timeout):
            return .failure(.timeout(endpoint: endpoint, phase: .connect, seconds: options.connectTimeout))
        case .failure(.refused):
            return .failure(.connectionRefused(endpoint: endpoint, address: addresses.map(\.text).joined(separator: ", ")))
        case let .failure(.other(reason)):
            return .failure(.connectionFailed(endpoint: endpoint, reason: reason))
        }
    }

    /// One connection: STARTTLS when asked, the handshake, then (when
    /// `inspect`) everything the endpoint shows. Each phase is a method below.
    private func runSession(_ target: TLSTarget, addresses: [ResolvedAddress], context: TLSClientContext,
                            inspect: Bool, within outer: Deadline? = nil) -> Result<Session, TLSProbeError> {
        let deadline = outer ?? Deadline(seconds: options.handshakeTimeout)
        let socket: ProbeSocket, dialogue: StartTLSDialogue
        switch plaintextPhase(target, addresses: addresses, inspect: inspect, deadline: deadline) {
        case let .success(opened): (socket, dialogue) = opened
        case let .failure(error): return .failure(error)
        }
        let handle: SSLHandle
        switch sslHandle(for: target, socket: socket, context: context, inspect: inspect) {
        case let .success(made): handle = made
        case let .failure(error): return .failure(error)
        }
        // The SSL object lives as long as its handle: keep the handle until the session is done.
        return withExtendedLifetime(handle) {
            let ssl = handle.ssl
            switch handshake(ssl, socket: socket, deadline: deadline) {
            case .timedOut:
                return .failure(.timeout(endpoint: target.description, phase: .handshake, seconds: options.handshakeTimeout))
            case let .failed(error):
                return failedHandshake(error, ssl: ssl, target: target, socket: socket, dialogue: dialogue, addresses: addresses,
                                       inspect: inspect, deadline: deadline)
            case .done:
                guard inspect else { return .success(Session(accepted: true, result: nil, failure: nil)) }
                let result = inspectSession(ssl, target: target, socket: socket, dialogue: dialogue, deadline: deadline)
                return .success(Session(accepted: true, result: result, failure: nil))
            }
        }
    }

    /// Connects and runs the STARTTLS dialogue (none for implicit TLS). A
    /// silent port where a greeting belongs is tried as implicit TLS, then
    /// asked again with the full wait.
    private func plaintextPhase(_ target: TLSTarget, addresses: [ResolvedAddress], inspect: Bool,
                                deadline: Deadline) -> Result<(ProbeSocket, StartTLSDialogue), TLSProbeError> {
        let endpoint = target.description
        var socket: ProbeSocket
        switch connect(addresses, endpoint: endpoint) {
        case let .success(s): socket = s
        case let .failure(error): return .failure(error)
        }
        var dialogue = StartTLSDialogue(socket: socket, deadline: deadline)
        var outcome = dialogue.run(target.starttls, greetingWait: inspect && target.starttls != .none ? options.greetingWait : nil)
        if case .failure(.noGreeting) = outcome {
            // Silence where a greeting belongs: an implicit-TLS port waits for our ClientHello.
            // Hang up first: a server that takes one connection at a time (openssl s_server,
            // a single-process daemon) would keep a second one waiting until the deadline.
            socket.hangUp()
            var direct = target
            direct.starttls = .none
            if case let .success(session) = runSession(direct, addresses: addresses, context: main, inspect: false, within: deadline),
               session.accepted {
                return .failure(.implicitTLS(endpoint: endpoint, requested: target.starttls))
            }
            // Not TLS first: a slow greeter. Ask again on a fresh connection and wait the full time.
            switch connect(addresses, endpoint: endpoint) {
            case let .success(s): socket = s
            case let .failure(error): return .failure(error)
            }
            dialogue = StartTLSDialogue(socket: socket, deadline: deadline)
            outcome = dialogue.run(target.starttls)
        }
        return outcome.map { _ in (socket, dialogue) }.mapError { failure in startTLSError(failure, target: target) }
    }

    private func startTLSError(_ failure: StartTLSDialogue.Failure, target: TLSTarget) -> TLSProbeError {
        let endpoint = target.description
        switch failure {
        case .tlsFirst:
            return .implicitTLS(endpoint: endpoint, requested: target.starttls)
        case let .wrongProtocol(found, greeting):
            return .wrongProtocol(endpoint: endpoint, requested: target.starttls, found: found, greeting: greeting)
        case .timeout, .noGreeting:
            return .timeout(endpoint: endpoint, phase: .starttls, seconds: options.handshakeTimeout)
        case let .closed(transcript):
            let said = transcript.isEmpty ? "(nothing; connection closed)" : transcript.joined(separator: " | ")
            return .starttlsRefused(endpoint: endpoint, protocol: target.starttls, reply: said)
        case let .refused(reply):
            return .starttlsRefused(endpoint: endpoint, protocol: target.starttls, reply: reply)
        case let .io(reason):
            return .connectionFailed(endpoint: endpoint, reason: reason)
        }
    }

    /// The SSL object on `socket`: SNI, and for inspection the name to
    /// verify and an OCSP status request.
    private func sslHandle(for target: TLSTarget, socket: ProbeSocket, context: TLSClientContext, inspect: Bool) -> Result<SSLHandle, TLSProbeError> {
        let handle: SSLHandle
        do { handle = try SSLHandle(context: context) } catch {
            return .failure(.setupFailed(endpoint: target.description, error: error))
        }
        let ssl = handle.ssl
        guard SSL_set_fd(ssl, socket.fd) == 1 else {
            return .failure(.setupFailed(endpoint: target.description, error: .capture("attaching the socket", call: "SSL_set_fd")))
        }
        if let name = target.serverName {
            _ = clm_SSL_set_tlsext_host_name(ssl, name)
        }
        if inspect {
            let name = target.verificationName
            if IPLiteral.isIP(name) {
                _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
            } else {
                _ = SSL_set1_host(ssl, name)
            }
            _ = clm_SSL_set_tlsext_status_type_ocsp(ssl)
        }
        return .success(handle)
    }

    /// A handshake that failed: a required client certificate (the rest is
    /// known), a plaintext server where TLS was expected, or a TLS failure.
    private func failedHandshake(_ error: OpenSSLError, ssl: OpaquePointer, target: TLSTarget, socket: ProbeSocket, dialogue: StartTLSDialogue,
                                 addresses: [ResolvedAddress], inspect: Bool, deadline: Deadline) -> Result<Session, TLSProbeError> {
        let endpoint = target.description
        if clm_SSL_client_cert_requested(ssl) != 0 {
            // The server asked for a certificate and hung up without one:
            // it requires client certificates, but the rest is known.
            let result = inspect ? collect(ssl, target: target, socket: socket, clientCertificate: .required,
                                           transcript: dialogue.transcript) : nil
            return .success(Session(accepted: true, result: result, failure: nil))
        }
        if Self.looksLikePlaintext(error) {
            // A plaintext greeting where TLS was expected: name the protocol, so the answer is the right --starttls.
            if inspect, target.starttls == .none, let (found, greeting) = plaintextGreeting(addresses, deadline: deadline) {
                let flag = StartTLSProtocol(rawValue: found).map { "; use --starttls \($0.rawValue)" } ?? ""
                return .failure(.notTLS(endpoint: endpoint, detail: "it greets in plaintext as \(found.uppercased()): \(greeting.prefix(120))\(flag)"))
            }
            return .failure(.notTLS(endpoint: endpoint, detail: error.stack.first?.text ?? "unexpected reply"))
        }
        if inspect { return .failure(.handshakeFailed(endpoint: endpoint, error: error)) }
        return .success(Session(accepted: false, result: nil, failure: error))
    }

    /// After a handshake: the client-certificate verdict, what the endpoint
    /// showed, the session check and the server's clock when asked for.
    private func inspectSession(_ ssl: OpaquePointer, target: TLSTarget, socket: ProbeSocket, dialogue: StartTLSDialogue,
                                deadline: Deadline) -> TLSProbeResult {
        var clientCertificate = ClientCertificateRequest.notRequested
        var pending: [UInt8] = []
        if clm_SSL_client_cert_requested(ssl) != 0 {
            let verdict = serverHangsUp(ssl, socket: socket)
            clientCertificate = verdict.hungUp ? .required : .optional
            pending = verdict.received
        }
        var result = collect(ssl, target: target, socket: socket, clientCertificate: clientCertificate,
                             transcript: dialogue.transcript)
        if options.checkSession, clientCertificate != .required, let proto = target.sessionProtocol {
            var session = StartTLSDialogue(socket: SSLChannel(ssl: ssl, socket: socket), deadline: deadline, pending: pending)
            result.session = session.afterHandshake(proto, implicit: target.starttls == .none)
            if target.starttls == .none, options.readServerClock, proto == .smtp, let replies = result.session?.replies {
                result.serverDate = ServerClock.dateInSMTPBanner(replies)
            }
        }
        if options.readServerClock {
            if target.starttls == .smtp {
                result.serverDate = ServerClock.dateInSMTPBanner(dialogue.transcript)
            } else if target.starttls == .none, clientCertificate != .required, target.sessionProtocol == nil,
                      ![465, 993, 995].contains(target.port) {
                result.serverDate = httpDate(ssl, socket: socket, host: target.serverName ?? target.host, port: target.port)
            }
        }
        return result
    }

    private enum HandshakeOutcome {
        case done
        case timedOut
        case failed(OpenSSLError)
    }

    private func handshake(_ ssl: OpaquePointer, socket: ProbeSocket, deadline: Deadline) -> HandshakeOutcome {
        OpenSSLError.clearQueue()
        while true {
            let rc = SSL_connect(ssl)
            if rc == 1 { return .done }
            let code = SSL_get_error(ssl, rc)
            switch code {
            case SSL_ERROR_WANT_READ:
                guard socket.wait(forWriting: false, deadline: deadline) else { return .timedOut }
            case SSL_ERROR_WANT_WRITE:
                guard socket.wait(forWriting: true, deadline: deadline) else { return .timedOut }
            default:
                let savedErrno = errno
                var error = OpenSSLError.capture("TLS handshake", call: "SSL_connect")
                if error.stack.isEmpty {
                    let why = code == SSL_ERROR_SYSCALL && savedErrno != 0
                        ? String(cString: strerror(savedErrno)) : "the server closed the connection"
                    error = OpenSSLError(operation: "TLS handshake (\(why))", call: "SSL_connect", stack: [])
                }
                return .failed(error)
            }
        }
    }

    /// The first line a plaintext server sends on a new connection, with the
    /// protocol it shows (SMTP, IMAP, POP3, ...), waiting at most a second.
    private func plaintextGreeting(_ addresses: [ResolvedAddress], deadline: Deadline) -> (String, String)? {
        let wait = Deadline(seconds: min(1, Double(deadline.remainingMilliseconds) / 1000))
        guard case let .success(socket) = ProbeSocket.connect(to: addresses, deadline: wait),
              case let .success(bytes) = socket.receive(max: 4096, deadline: wait) else { return nil }
        let line = String(decoding: bytes.prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
        return MailGreeting.protocolName(of: line).map { ($0, line) }
    }

    /// OpenSSL reasons that mean the bytes received were not a TLS record.
    private static func looksLikePlaintext(_ error: OpenSSLError) -> Bool {
        let reasons: Set<Int> = [Int(SSL_R_WRONG_VERSION_NUMBER), Int(SSL_R_PACKET_LENGTH_TOO_LONG),
                                 Int(SSL_R_HTTP_REQUEST), Int(SSL_R_UNKNOWN_PROTOCOL),
                                 Int(SSL_R_RECORD_LENGTH_MISMATCH), Int(SSL_R_BAD_PACKET_LENGTH)]
        return error.stack.contains { reasons.contains($0.reason) }
    }

    /// TLS 1.3 servers judge the client certificate after the handshake:
    /// read briefly; an alert or a close means the certificate was required.
    /// Data that arrives instead (an implicit-TLS greeting) is returned, so
    /// the session check still sees it.
    private func serverHangsUp(_ ssl: OpaquePointer, socket: ProbeSocket) -> (hungUp: Bool, received: [UInt8]) {
        let deadline = Deadline(seconds: options.clientCertificateVerdictWait)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let rc = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if rc > 0 { return (false, Array(buffer[0..<Int(rc)])) }
            let code = SSL_get_error(ssl, rc)
            if code == SSL_ERROR_WANT_READ {
                guard socket.wait(forWriting: false, deadline: deadline) else { return (false, []) }
                continue
            }
            OpenSSLError.clearQueue()
            return (true, [])
        }
    }

    private func collect(_ ssl: OpaquePointer, target: TLSTarget, socket: ProbeSocket,
                         clientCertificate: ClientCertificateRequest, transcript: [String]) -> TLSProbeResult {
        var peerChain: [[UInt8]] = []
        if let stack = SSL_get_peer_cert_chain(ssl) {
            for i in 0..<clm_sk_X509_num(stack) {
                if let cert = clm_sk_X509_value(stack, i), let der = X509DER.encode(cert) { peerChain.append(der) }
            }
        }
        var verifiedChain: [[UInt8]] = []
        if let stack = SSL_get0_verified_chain(ssl) {
            for i in 0..<clm_sk_X509_num(stack) {
                if let cert = clm_sk_X509_value(stack, i), let der = X509DER.encode(cert) { verifiedChain.append(der) }
            }
        }
        var caNames: [String] = []
        if let names = SSL_get_client_CA_list(ssl) {
            for i in 0..<clm_sk_X509_NAME_num(names) {
                if let name = clm_sk_X509_NAME_value(names, i), let text = X509DER.rfc2253(name) { caNames.append(text) }
            }
        }
        let code = Int(SSL_get_verify_result(ssl))
        let version = SSL_get_version(ssl).map { String(cString: $0) } ?? "unknown"
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? "unknown"
        return TLSProbeResult(
            target: target, address: socket.address.text, peerChain: peerChain, verifiedChain: verifiedChain,
            protocolVersion: version, cipher: cipher, clientCertificate: clientCertificate,
            acceptableClientCANames: caNames, ocspStapled: clm_SSL_get_tlsext_status_ocsp_resp_len(ssl) >= 0,
            verification: VerifyResult(code: code, text: X509DER.verifyErrorText(code)),
            starttlsTranscript: transcript)
    }

    /// Sends `HEAD /` and reads the `Date` header, within a short deadline.
    private func httpDate(_ ssl: OpaquePointer, socket: ProbeSocket, host: String, port: UInt16) -> Date? {
        // A non-HTTP service never answers HEAD: wait long only where HTTP is the rule.
        let deadline = Deadline(seconds: min([443, 8443].contains(port) ? 2 : 0.5, options.handshakeTimeout))
        let request = Array("HEAD / HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: clm\r\nConnection: close\r\n\r\n".utf8)
        var written = 0
        while written < request.count {
            let rc = request[written...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if rc > 0 { written += Int(rc); continue }
            let code = SSL_get_error(ssl, rc)
            guard code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE,
                  socket.wait(forWriting: code == SSL_ERROR_WANT_WRITE, deadline: deadline) else {
                OpenSSLError.clearQueue()
                return nil
            }
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while response.count < 32_768 {
            let rc = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if rc > 0 {
                response += buffer[0..<Int(rc)]
                if let date = ServerClock.dateInHTTPHeaders(response) { return date }
                // It spoke another protocol (a banner): no Date header is coming.
                if response.count >= 5, !response.starts(with: Array("HTTP/".utf8)) { return nil }
                if response.count >= 4, response.firstRange(of: [13, 10, 13, 10]) != nil { return nil }
                continue
            }
            let code = SSL_get_error(ssl, rc)
            guard code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE,
                  socket.wait(forWriting: code == SSL_ERROR_WANT_WRITE, deadline: deadline) else {
                OpenSSLError.clearQueue()
                return nil
            }
        }
        return nil
    }
}

/// The TLS session as a ``LineChannel``: SSL_read / SSL_write on the
/// non-blocking socket, waiting with poll(2) until the deadline.
private struct SSLChannel: LineChannel {
    let ssl: OpaquePointer
    let socket: ProbeSocket

    func receive(max: Int, deadline: Deadline) -> Result<[UInt8], ProbeSocket.IOFailure> {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let rc = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if rc > 0 { return .success(Array(buffer[0..<Int(rc)])) }
            if let failure = retry(after: rc, deadline: deadline) { return .failure(failure) }
        }
    }

    func send(_ bytes: [UInt8], deadline: Deadline) -> Result<Void, ProbeSocket.IOFailure> {
        var written = 0
        while written < bytes.count {
            let rc = bytes[written...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if rc > 0 { written += Int(rc); continue }
            if let failure = retry(after: rc, deadline: deadline) { return .failure(failure) }
        }
        return .success(())
    }

    /// After an SSL_read or SSL_write that did not complete: nil once the
    /// socket is ready for what OpenSSL wants (try again), else the failure.
    private func retry(after rc: Int32, deadline: Deadline) -> ProbeSocket.IOFailure? {
        let code = SSL_get_error(ssl, rc)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            return socket.wait(forWriting: code == SSL_ERROR_WANT_WRITE, deadline: deadline) ? nil : .timeout
        }
        OpenSSLError.clearQueue()
        return .closed
    }
}
