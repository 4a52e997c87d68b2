internal import Foundation

/// The plaintext part of SMTP, IMAP and POP3 up to the point where the
/// server expects a TLS ClientHello.
///
/// SMTP: RFC 5321 greeting and EHLO (multi-line `250-` replies), then
/// RFC 3207 `STARTTLS` answered by `220`. IMAP: RFC 3501 `* OK` greeting,
/// `CAPABILITY`, then `STARTTLS` answered by a tagged `OK`. POP3: RFC 1939
/// `+OK` greeting, then RFC 2595 `STLS` answered by `+OK`.
struct StartTLSDialogue {
    enum Failure: Error {
        case timeout
        case closed(transcript: [String])
        case refused(reply: String)
        case io(String)
    }

    let socket: ProbeSocket
    let deadline: Deadline
    private var buffer: [UInt8] = []
    /// Every line the server sent, for the probe result.
    private(set) var transcript: [String] = []

    init(socket: ProbeSocket, deadline: Deadline) {
        self.socket = socket
        self.deadline = deadline
    }

    mutating func run(_ proto: StartTLSProtocol) -> Result<Void, Failure> {
        do {
            switch proto {
            case .none: return .success(())
            case .smtp: try smtp()
            case .imap: try imap()
            case .pop3: try pop3()
            }
            return .success(())
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.io("\(error)"))
        }
    }

    private mutating func smtp() throws {
        let greeting = try readSMTPReply()
        guard greeting.code == "220" else { throw Failure.refused(reply: greeting.text) }
        try send("EHLO clm.invalid\r\n")
        let ehlo = try readSMTPReply()
        guard ehlo.code == "250" else { throw Failure.refused(reply: ehlo.text) }
        try send("STARTTLS\r\n")
        let reply = try readSMTPReply()
        guard reply.code == "220" else { throw Failure.refused(reply: reply.text) }
    }

    private mutating func imap() throws {
        let greeting = try readLine()
        guard greeting.hasPrefix("* OK") else { throw Failure.refused(reply: greeting) }
        try send("a001 CAPABILITY\r\n")
        let capability = try readTagged("a001")
        guard capability.hasPrefix("a001 OK") else { throw Failure.refused(reply: capability) }
        try send("a002 STARTTLS\r\n")
        let reply = try readTagged("a002")
        guard reply.hasPrefix("a002 OK") else { throw Failure.refused(reply: reply) }
    }

    private mutating func pop3() throws {
        let greeting = try readLine()
        guard greeting.hasPrefix("+OK") else { throw Failure.refused(reply: greeting) }
        try send("STLS\r\n")
        let reply = try readLine()
        guard reply.hasPrefix("+OK") else { throw Failure.refused(reply: reply) }
    }

    /// An SMTP reply: all lines until one whose fourth character is a space.
    private mutating func readSMTPReply() throws -> (code: String, text: String) {
        var lines: [String] = []
        while true {
            let line = try readLine()
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
            if !line.hasPrefix("*") && !line.hasPrefix("+") { throw Failure.refused(reply: line) }
        }
    }

    /// A real server's greeting and capabilities fit in a few dozen lines;
    /// a hostile one must not fill memory before the deadline.
    static let maxLines = 200

    private mutating func readLine() throws -> String {
        if transcript.count >= Self.maxLines {
            throw Failure.refused(reply: "more than \(Self.maxLines) lines before STARTTLS was accepted")
        }
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
            switch socket.receive(deadline: deadline) {
            case let .success(bytes):
                // A TLS record where text was expected: the port speaks implicit TLS.
                if buffer.isEmpty, let first = bytes.first, first == 0x15 || first == 0x16 {
                    throw Failure.refused(reply: "TLS record instead of a plaintext greeting (implicit TLS port?)")
                }
                buffer += bytes
            case .failure(.timeout): throw Failure.timeout
            case .failure(.closed):
                if !buffer.isEmpty { transcript.append(String(decoding: buffer, as: UTF8.self)) }
                throw Failure.closed(transcript: transcript)
            case let .failure(.failed(reason)): throw Failure.io(reason)
            }
        }
    }

    private func send(_ text: String) throws {
        switch socket.send(Array(text.utf8), deadline: deadline) {
        case .success: return
        case .failure(.timeout): throw Failure.timeout
        case .failure(.closed): throw Failure.closed(transcript: transcript)
        case let .failure(.failed(reason)): throw Failure.io(reason)
        }
    }
}
