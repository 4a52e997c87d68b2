internal import Foundation

/// A private Postfix instance from Debian's `postfix` package: its own config
/// directory (main.cf + master.cf), queue and data dirs in a temp dir, one
/// smtpd per listener on 127.0.0.1 and a free port. Never the system instance:
/// every command gets `-c DIR`. Stopped by the master's PID.
public final class LocalPostfix: @unchecked Sendable {
    // Immutable after start; stop() only signals a PID.
    public struct Listener: Sendable {
        public var name: String
        /// `smtpd_tls_wrappermode = yes` (implicit TLS, like 465).
        public var implicitTLS: Bool
        /// Extra `-o name=value` overrides.
        public var overrides: [String]
        /// A fixed port (25, 465 ...) instead of a free one.
        public var port: Int?

        public init(_ name: String, implicitTLS: Bool = false, overrides: [String] = [], port: Int? = nil) {
            self.name = name
            self.implicitTLS = implicitTLS
            self.overrides = overrides
            self.port = port
        }
    }

    public let directory: String
    public let configDirectory: String
    /// Listener name → port.
    public let ports: [String: Int]
    public let binary: String

    init(directory: String, configDirectory: String, ports: [String: Int], binary: String) {
        self.directory = directory
        self.configDirectory = configDirectory
        self.ports = ports
        self.binary = binary
    }

    deinit { stop() }

    /// Writes the config (`tls` = main.cf lines for the certificate, e.g.
    /// `smtpd_tls_chain_files = KEY, CERT`) and starts the master.
    ///
    /// - Parameter address: the loopback address every listener binds (a spare
    ///   127.x.y.z lets tests use the standard ports).
    public static func start(tls: [String], listeners: [Listener], extraMain: [String] = [], address: String = "127.0.0.1") throws -> LocalPostfix {
        let binary = try TestSupport.requireTool("postfix", package: "postfix")
        let directory = try TestSupport.temporaryDirectory("clm-postfix")
        chmod(directory, 0o755)   // the postfix user walks it
        let etc = directory + "/etc"
        let fm = FileManager.default
        for sub in ["etc", "queue", "data"] { try fm.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true) }
        try TestSupport.runChecked("/bin/chown", ["postfix:postfix", directory + "/data"])
        var ports: [String: Int] = [:]
        var used: Set<Int> = []
        for listener in listeners {
            var port = try listener.port ?? TestSupport.freePort()
            while used.contains(port) { port = try TestSupport.freePort() }
            used.insert(port)
            ports[listener.name] = port
        }
        let main = [
            "compatibility_level = 3.6",
            "queue_directory = \(directory)/queue",
            "data_directory = \(directory)/data",
            "command_directory = /usr/sbin",
            "daemon_directory = /usr/lib/postfix/sbin",
            "mail_owner = postfix",
            // Postfix knows only 127.0.0.1 as a local address; the services below bind their address explicitly.
            "inet_interfaces = \(address == "127.0.0.1" ? address : "all")",
            "inet_protocols = ipv4",
            "maillog_file = \(directory)/maillog",
            "maillog_file_prefixes = \(directory)",
            "mydestination =",
            "relay_domains =",
            "local_recipient_maps =",
            "alias_maps =",
            "alias_database =",
            "myhostname = mail.example.test",
            // No reverse DNS of 127.x.y.z clients before the greeting: a slow resolver would look like a silent server.
            "smtpd_peername_lookup = no",
            "smtpd_tls_security_level = may",
        ] + tls + extraMain
        try (main.joined(separator: "\n") + "\n").write(toFile: etc + "/main.cf", atomically: true, encoding: .utf8)
        var master = "# private test instance written by LocalPostfix\n"
        for listener in listeners {
            master += "\(address):\(ports[listener.name]!) inet n - n - - smtpd\n"
            if listener.implicitTLS { master += "  -o smtpd_tls_wrappermode=yes\n" }
            for override in listener.overrides { master += "  -o \(override)\n" }
        }
        master += """
            pickup    unix  n       -       n       60      1       pickup
            cleanup   unix  n       -       n       -       0       cleanup
            qmgr      unix  n       -       n       300     1       qmgr
            tlsmgr    unix  -       -       n       1000?   1       tlsmgr
            rewrite   unix  -       -       n       -       -       trivial-rewrite
            bounce    unix  -       -       n       -       0       bounce
            defer     unix  -       -       n       -       0       bounce
            trace     unix  -       -       n       -       0       bounce
            verify    unix  -       -       n       -       1       verify
            flush     unix  n       -       n       1000?   0       flush
            proxymap  unix  -       -       n       -       -       proxymap
            proxywrite unix -       -       n       -       1       proxymap
            smtp      unix  -       -       n       -       -       smtp
            relay     unix  -       -       n       -       -       smtp
            showq     unix  n       -       n       -       -       showq
            error     unix  -       -       n       -       -       error
            retry     unix  -       -       n       -       -       error
            discard   unix  -       -       n       -       -       discard
            local     unix  -       n       n       -       -       local
            anvil     unix  -       -       n       -       1       anvil
            scache    unix  -       -       n       -       1       scache
            postlog   unix-dgram n  -       n       -       1       postlogd

            """
        try master.write(toFile: etc + "/master.cf", atomically: true, encoding: .utf8)
        let server = LocalPostfix(directory: directory, configDirectory: etc, ports: ports, binary: binary)
        try MailServerPID.startDaemon(binary, ["-c", etc, "start"], environment: ["MAIL_CONFIG": etc, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                                      log: directory + "/start.log")
        for _ in 0..<1_200 {  // up to 30 s
            if ports.values.allSatisfy({ MailServerPID.isListening(address, $0) }) { return server }
            usleep(25_000)
        }
        let log = (try? String(contentsOfFile: directory + "/maillog", encoding: .utf8)) ?? ""
        server.stop()
        throw TestSupportError.commandFailed(command: "postfix -c \(etc) start", status: -1, stderr: "did not listen: \(log)")
    }

    /// The master's PID (queue/pid/master.pid).
    public var masterPID: Int32? {
        MailServerPID.read(directory + "/queue/pid/master.pid")
    }

    public func stop() {
        MailServerPID.stop(masterPID)
    }

    public var log: String { (try? String(contentsOfFile: directory + "/maillog", encoding: .utf8)) ?? "" }
}

/// A private Dovecot instance (Debian's `dovecot-imapd` / `dovecot-pop3d`):
/// own base_dir, state_dir and logs, `listen = 127.0.0.1`, IMAP and POP3
/// listeners on free ports. `dovecot.conf` includes `conf.d/*.conf` the way
/// Debian's does; the TLS settings sit in conf.d/10-ssl.conf.
public final class LocalDovecot: @unchecked Sendable {
    public let directory: String
    public let config: String
    /// `imap`, `imaps`, `pop3`, `pop3s` → port.
    public let ports: [String: Int]

    init(directory: String, config: String, ports: [String: Int]) {
        self.directory = directory
        self.config = config
        self.ports = ports
    }

    deinit { stop() }

    /// `ssl` = the lines of conf.d/10-ssl.conf (`ssl_cert = </path` ...).
    /// `address` and `fixedPorts` (`imap` → 143 ...) put the listeners on the standard ports of a spare loopback address.
    public static func start(ssl: [String], protocols: String = "imap pop3", address: String = "127.0.0.1",
                             fixedPorts: [String: Int] = [:]) throws -> LocalDovecot {
        let binary = try TestSupport.requireTool("dovecot", package: "dovecot-imapd dovecot-pop3d")
        let directory = try TestSupport.temporaryDirectory("clm-dovecot")
        chmod(directory, 0o755)   // dovecot and dovenull walk it
        let fm = FileManager.default
        for sub in ["base", "state", "home", "conf.d"] { try fm.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true) }
        var ports: [String: Int] = [:]
        var used: Set<Int> = []
        for name in ["imap", "imaps", "pop3", "pop3s"] {
            var port = try fixedPorts[name] ?? TestSupport.freePort()
            while used.contains(port) { port = try TestSupport.freePort() }
            used.insert(port)
            ports[name] = port
        }
        let instance = "clm-test-" + (directory as NSString).lastPathComponent
        let main = """
            # Private test instance written by LocalDovecot (Debian layout: conf.d includes).
            base_dir = \(directory)/base
            state_dir = \(directory)/state
            log_path = \(directory)/dovecot.log
            info_log_path = \(directory)/dovecot.log
            instance_name = \(instance)
            listen = \(address)
            protocols = \(protocols)
            default_internal_user = dovecot
            default_login_user = dovenull
            !include conf.d/*.conf
            !include_try local.conf

            """
        try main.write(toFile: directory + "/dovecot.conf", atomically: true, encoding: .utf8)
        let auth = """
            passdb {
              driver = static
              args = password=test
            }
            userdb {
              driver = static
              args = uid=dovecot gid=dovecot home=\(directory)/home
            }

            """
        try auth.write(toFile: directory + "/conf.d/10-auth.conf", atomically: true, encoding: .utf8)
        let master = """
            service imap-login {
              inet_listener imap {
                port = \(ports["imap"]!)
              }
              inet_listener imaps {
                port = \(ports["imaps"]!)
                ssl = yes
              }
            }
            service pop3-login {
              inet_listener pop3 {
                port = \(ports["pop3"]!)
              }
              inet_listener pop3s {
                port = \(ports["pop3s"]!)
                ssl = yes
              }
            }

            """
        try master.write(toFile: directory + "/conf.d/10-master.conf", atomically: true, encoding: .utf8)
        var sslLines = ssl
        if fm.fileExists(atPath: "/usr/share/dovecot/dh.pem") { sslLines.append("ssl_dh = </usr/share/dovecot/dh.pem") }
        try (sslLines.joined(separator: "\n") + "\n").write(toFile: directory + "/conf.d/10-ssl.conf", atomically: true, encoding: .utf8)
        let config = directory + "/dovecot.conf"
        let server = LocalDovecot(directory: directory, config: config, ports: ports)
        try MailServerPID.startDaemon(binary, ["-c", config], environment: nil, log: directory + "/start.log")
        for _ in 0..<1_200 {  // up to 30 s
            if ports.values.allSatisfy({ MailServerPID.isListening(address, $0) }) { return server }
            usleep(25_000)
        }
        server.stop()
        let log = (try? String(contentsOfFile: directory + "/dovecot.log", encoding: .utf8)) ?? ""
        throw TestSupportError.commandFailed(command: "dovecot -c \(config)", status: -1, stderr: "did not listen: \(log)")
    }

    public var masterPID: Int32? { MailServerPID.read(directory + "/base/master.pid") }

    public func stop() { MailServerPID.stop(masterPID) }

    public var log: String { (try? String(contentsOfFile: directory + "/dovecot.log", encoding: .utf8)) ?? "" }
}

/// Reads a master.pid and stops that one process (never by name).
enum MailServerPID {
    /// Runs a command that daemonizes (`postfix start`, `dovecot`) with its
    /// output in `log`: the daemon inherits that file, not a pipe we would wait on.
    static func startDaemon(_ binary: String, _ arguments: [String], environment: [String: String]?, log: String) throws {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: log) else {
            throw TestSupportError.commandFailed(command: binary, status: -1, stderr: "cannot write \(log)")
        }
        defer { try? handle.close() }
        // The test runner blocks signals in its threads and Process passes that mask on: the daemon would then
        // ignore SIGTERM; and Foundation waits for descriptors the daemon would inherit. python3 clears the mask,
        // closes every descriptor above stderr and execs the real command.
        let python = try TestSupport.requireTool("python3", package: "python3")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.closerange(3, 65536); os.execv(sys.argv[1], sys.argv[1:])",
                             binary] + arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestSupportError.commandFailed(command: ([binary] + arguments).joined(separator: " "), status: process.terminationStatus, stderr: text)
        }
    }

    /// True when something accepts TCP connections on address:port (IPv4).
    static func isListening(_ address: String, _ port: Int) -> Bool {
        TestSupport.onLoopback(address, port: port, type: Int32(SOCK_STREAM.rawValue)) { fd, address, length in connect(fd, address, length) }
    }

    static func read(_ path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func stop(_ pid: Int32?) {
        guard let pid, pid > 1, kill(pid, 0) == 0 else { return }
        kill(pid, SIGTERM)
        for _ in 0..<150 {
            if kill(pid, 0) != 0 { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
    }
}
