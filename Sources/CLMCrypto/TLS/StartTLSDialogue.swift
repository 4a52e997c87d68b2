internal import Foundation

/// Bytes in and out with a deadline: the plaintext socket before STARTTLS,
/// or the TLS session after the handshake.
protocol LineChannel {
    func receive(max: Int, deadline: Deadline) -> Result<[UInt8], ProbeSocket.IOFailure>
    func send(_ bytes: [UInt8], deadline: Deadline) -> Result<Void, ProbeSocket.IOFailure>
}

extension ProbeSocket: LineChannel {}

/// The plaintext part of SMTP, IMAP and POP3 up to the point where the
/// server expects a TLS ClientHello, and the first command after TLS.
///
/// SMTP: RFC 5321 greeting and EHLO (multi-line `250-` replies), then
/// RFC 3207 `STARTTLS` answered by `220`. IMAP: RFC 3501 `* OK` greeting,
/// `CAPABILITY`, then `STARTTLS` answered by a tagged `OK`. POP3: RFC 1939
/// `+OK` greeting, then RFC 2595 `STLS` answered by `+OK`.
///
/// After the handshake a mail client sends EHLO (RFC 3207 §4.2 discards the
/// state from before TLS), `CAPABILITY` or `CAPA`; a server that accepts the
/// handshake but refuses the session (no client certificate, policy) says so
/// only there, in a reply like `421 4.7.1 ...`. ``afterHandshake(_:implicit:)``
/// does the same and keeps the server's words.
struct StartTLSDialogue {
    enum Failure: Error {
        case timeout
        /// Nothing within the short greeting wait (see ``run(_:greetingWait:)``).
        case noGreeting
        case closed(transcript: [String])
        case refused(reply: String)
        /// The greeting belongs to another protocol (named) than the one asked for.
        case wrongProtocol(found: String, greeting: String)
        /// The server sent a TLS record where a plaintext greeting belongs.
        case tlsFirst
        case io(String)
    }

    let channel: any LineChannel
    let deadline: Deadline
    private var buffer: [UInt8]
    /// Every line the server sent, for the probe result.
    private(set) var transcript: [String] = []

    init(socket: any LineChannel, deadline: Deadline, pending: [UInt8] = []) {
        self.channel = socket
        self.deadline = deadline
        self.buffer = pending
    }

    /// Runs the dialogue. With `greetingWait`, gives up on the greeting after
    /// that many seconds with ``Failure/noGreeting`` (the caller then checks
    /// whether the port speaks TLS first) and can call `run` again.
    mutating func run(_ proto: StartTLSProtocol, greetingWait: Double? = nil) -> Result<Void, Failure> {
        do {
            switch proto {
            case .none: return .success(())
            case .smtp: try smtp(greetingWait: greetingWait)
            case .imap: try imap(greetingWait: greetingWait)
            case .pop3: try pop3(greetingWait: greetingWait)
            }
            return .success(())
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.io("\(error)"))
        }
    }

    /// After the handshake: the greeting (implicit TLS only), then the
    /// protocol's harmless first command, and the server's verdict.
    mutating func afterHandshake(_ proto: StartTLSProtocol, implicit: Bool) -> SessionCheck {
        let start = transcript.count
        var command = ""
        var accepted = false
        var closed = false
        do {
            switch proto {
            case .none:
                return SessionCheck(protocol: proto, command: "", replies: [], accepted: true, closed: false)
            case .smtp:
                if implicit {
                    let greeting = try readSMTPReply()
                    guard greeting.code == "220" else { throw Failure.refused(reply: greeting.text) }
                }
                command = "EHLO clm.invalid"
                try send(command + "\r\n")
                accepted = try readSMTPReply().code == "250"
            case .imap:
                if implicit {
                    let greeting = try readLine()
                    guard greeting.hasPrefix("* OK") || greeting.hasPrefix("* PREAUTH") else { throw Failure.refused(reply: greeting) }
                }
                command = "a CAPABILITY"
                try send(command + "\r\n")
                accepted = try readTagged("a").hasPrefix("a OK")
            case .pop3:
                if implicit {
                    let greeting = try readLine()
                    guard greeting.hasPrefix("+OK") else { throw Failure.refused(reply: greeting) }
                }
                command = "CAPA"
                try send(command + "\r\n")
                accepted = try readLine().hasPrefix("+OK")
            }
        } catch Failure.closed {
            closed = true
        } catch {
            accepted = false
        }
        let replies = Array(transcript[min(start, transcript.count)...])
        return SessionCheck(protocol: proto, command: command.isEmpty ? "(greeting)" : command, replies: replies,
                            accepted: accepted, closed: closed)
    }

    private mutating func smtp(greetingWait: Double?) throws {
        let first = try readLine(wait: greetingWait)
        try expectGreeting(first, of: .smtp)
        let greeting = try readSMTPReply(first: first)
        guard greeting.code == "220" else { throw Failure.refused(reply: greeting.text) }
        try send("EHLO clm.invalid\r\n")
        let ehlo = try readSMTPReply()
        guard ehlo.code == "250" else { throw Failure.refused(reply: ehlo.text) }
        try send("STARTTLS\r\n")
        let reply = try readSMTPReply()
        guard reply.code == "220" else { throw Failure.refused(reply: reply.text) }
    }

    private mutating func imap(greetingWait: Double?) throws {
        let greeting = try readLine(wait: greetingWait)
        try expectGreeting(greeting, of: .imap)
        guard greeting.hasPrefix("* OK") else { throw Failure.refused(reply: greeting) }
        try send("a001 CAPABILITY\r\n")
        let capability = try readTagged("a001")
        guard capability.hasPrefix("a001 OK") else { throw Failure.refused(reply: capability) }
        try send("a002 STARTTLS\r\n")
        let reply = try readTagged("a002")
        guard reply.hasPrefix("a002 OK") else { throw Failure.refused(reply: reply) }
    }

    private mutating func pop3(greetingWait: Double?) throws {
        let greeting = try readLine(wait: greetingWait)
        try expectGreeting(greeting, of: .pop3)
        guard greeting.hasPrefix("+OK") else { throw Failure.refused(reply: greeting) }
        try send("STLS\r\n")
        let reply = try readLine()
        guard reply.hasPrefix("+OK") else { throw Failure.refused(reply: reply) }
    }

    /// Refuses a greeting that plainly belongs to another protocol.
    private func expectGreeting(_ line: String, of proto: StartTLSProtocol) throws {
        guard let found = MailGreeting.protocolName(of: line), found != proto.rawValue else { return }
        throw Failure.wrongProtocol(found: found, greeting: line)
    }

    /// An SMTP reply: all lines until one whose fourth character is a space.
    private mutating func readSMTPReply(first: String? = nil) throws -> (code: String, text: String) {
        var lines: [String] = []
        var pending = first
        while true {
            let line: String
            if let given = pending { line = given; pending = nil } else { line = try readLine() }
            lines.append(line)
            let code = String(line.prefix(3))
            guard code.count == 3, code.allSatisfy(\.isNumber) else {
                throw Failure.refused(reply: lines.joined(separator: " | "))
            }
            if line.count == 3 || line.dropFirst(3).first == " " {
                return (code, lines.joined(separator: " | "))
            }
        }
    }

    /// IMAP: skip untagged `*` lines until the tagged completion.
    private mutating func readTagged(_ tag: String) throws -> String {
        while true {
            let line = try readLine()
            if line.hasPrefix(tag + " ") { return line }
            if line.hasPrefix("* BYE") { throw Failure.refused(reply: line) }
            if !line.hasPrefix("*") && !line.hasPrefix("+") { throw Failure.refused(reply: line) }
        }
    }

    /// A real server's greeting and capabilities fit in a few dozen lines;
    /// a hostile one must not fill memory before the deadline.
    static let maxLines = 200

    private mutating func readLine(wait: Double? = nil) throws -> String {
        if transcript.count >= Self.maxLines {
            throw Failure.refused(reply: "more than \(Self.maxLines) lines before STARTTLS was accepted")
        }
        let shortDeadline = wait.map { Deadline(seconds: min($0, Double(deadline.remainingMilliseconds) / 1000)) }
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                var lineBytes = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if lineBytes.last == 0x0D { lineBytes.removeLast() }
                let line = String(decoding: lineBytes, as: UTF8.self)
                transcript.append(line)
                return line
            }
            if buffer.count > 16_384 { throw Failure.refused(reply: "line longer than 16 KiB") }
            switch channel.receive(max: 4096, deadline: shortDeadline ?? deadline) {
            case let .success(bytes):
                // A TLS record where text was expected: the port speaks implicit TLS.
                if buffer.isEmpty, transcript.isEmpty, let first = bytes.first, first == 0x15 || first == 0x16 {
                    throw Failure.tlsFirst
                }
                buffer += bytes
            case .failure(.timeout):
                if shortDeadline != nil, buffer.isEmpty, !deadline.hasPassed { throw Failure.noGreeting }
                throw Failure.timeout
            case .failure(.closed):
                if !buffer.isEmpty { transcript.append(String(decoding: buffer, as: UTF8.self)) }
                throw Failure.closed(transcript: transcript)
            case let .failure(.failed(reason)): throw Failure.io(reason)
            }
        }
    }

    private func send(_ text: String) throws {
        switch channel.send(Array(text.utf8), deadline: deadline) {
        case .success: return
        case .failure(.timeout): throw Failure.timeout
        case .failure(.closed): throw Failure.closed(transcript: transcript)
        case let .failure(.failed(reason)): throw Failure.io(reason)
        }
    }
}

/// What a mail server's first line says about it.
public enum MailGreeting {
    /// `smtp`, `imap`, `pop3`, `http`, `ssh`, `ftp` from a greeting line, when recognisable.
    public static func protocolName(of line: String) -> String? {
        if line.hasPrefix("* OK") || line.hasPrefix("* PREAUTH") || line.hasPrefix("* BYE") { return "imap" }
        if line.hasPrefix("+OK") || line.hasPrefix("-ERR") { return "pop3" }
        if line.hasPrefix("SSH-") { return "ssh" }
        if line.hasPrefix("HTTP/") { return "http" }
        let code = line.prefix(3)
        if code.count == 3, code.allSatisfy(\.isNumber), line.count == 3 || " -".contains(line.dropFirst(3).first ?? " ") {
            return line.lowercased().contains("ftp") ? "ftp" : "smtp"
        }
        return nil
    }

    /// The server software a greeting names (`Postfix`, `Dovecot`, `Exim`, ...).
    public static func software(in lines: [String]) -> String? {
        let known = ["Postfix", "Dovecot", "Exim", "Sendmail", "Microsoft", "Courier", "Cyrus", "OpenSMTPD", "qmail", "Zimbra"]
        for line in lines.prefix(3) {
            if let name = known.first(where: { line.localizedCaseInsensitiveContains($0) }) { return name }
        }
        return nil
    }
}

/// The first command after the handshake and what the server said to it.
public struct SessionCheck: Sendable, Codable, Hashable {
    public var `protocol`: StartTLSProtocol
    /// `EHLO clm.invalid`, `a CAPABILITY`, `CAPA`.
    public var command: String
    /// The server's lines after the handshake (greeting on implicit TLS, then the reply).
    public var replies: [String]
    /// Whether the server accepted the command.
    public var accepted: Bool
    /// Whether the server closed the connection instead of (or after) replying.
    public var closed: Bool

    public init(protocol: StartTLSProtocol, command: String, replies: [String], accepted: Bool, closed: Bool) {
        self.protocol = `protocol`
        self.command = command
        self.replies = replies
        self.accepted = accepted
        self.closed = closed
    }

    /// The server's words, one line.
    public var serverSaid: String { replies.isEmpty ? (closed ? "(closed the connection without a reply)" : "(no reply)") : replies.joined(separator: " | ") }
}
