internal import Foundation

/// `openssl s_server` on 127.0.0.1 and a free port, answering handshakes
/// until stopped (killed by PID when the value goes away).
public enum OpenSSLServer {
    /// - Parameters:
    ///   - chain: extra certificates to send after the leaf (PEM file), or nil.
    ///   - extraArgs: e.g. `["-Verify", "1"]`, `["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"]`.
    public static func start(cert: String, key: String, chain: String? = nil,
                             extraArgs: [String] = []) throws -> RunningProcess {
        var args = ["s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key, "-www", "-no_cache"]
        if let chain { args += ["-cert_chain", chain] }
        args += extraArgs
        return try RunningProcess.start("openssl", aptPackage: "openssl", arguments: args) { line in
            // "ACCEPT 127.0.0.1:40425"
            guard line.hasPrefix("ACCEPT"), let colon = line.lastIndex(of: ":") else { return nil }
            return UInt16(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }
}

/// The plaintext-then-TLS responder in `scripts/starttls_responder.py`
/// (SMTP, IMAP or POP3; `refuse` answers STARTTLS with an error).
public enum StartTLSServer {
    public static func start(protocol proto: String, cert: String, key: String,
                             refuse: Bool = false) throws -> RunningProcess {
        let script = ToolRunner.repositoryRoot.appendingPathComponent("scripts/starttls_responder.py").path
        var args = [script, "--protocol", proto, "--cert", cert, "--key", key]
        if refuse { args.append("--refuse") }
        return try RunningProcess.start("python3", aptPackage: "python3", arguments: args) { line in
            line.hasPrefix("PORT ") ? UInt16(line.dropFirst(5).trimmingCharacters(in: .whitespaces)) : nil
        }
    }
}
