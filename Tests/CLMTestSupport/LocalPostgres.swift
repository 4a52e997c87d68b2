internal import Foundation

/// A private PostgreSQL cluster from Debian's `postgresql` package: initdb in
/// a temp dir as the unprivileged `postgres` user (initdb and postgres refuse
/// root), scram-sha-256 passwords, a unix socket in the temp dir plus TCP on
/// 127.0.0.1 and a free port. Never the system cluster. Stopped by the PID in
/// postmaster.pid.
public final class LocalPostgres: @unchecked Sendable {
    // Immutable after start; stop() only signals a PID.
    public let directory: String
    public let dataDirectory: String
    public let port: Int
    public let user = "clm"
    public let password: String
    let bin: String
    let options: String

    init(directory: String, port: Int, password: String, bin: String, options: String) {
        self.directory = directory
        self.dataDirectory = directory + "/data"
        self.port = port
        self.password = password
        self.bin = bin
        self.options = options
    }

    deinit { stop() }

    /// `postgresql://clm:PASSWORD@127.0.0.1:PORT/postgres` plus `extra` query parameters.
    public func url(password: String? = nil, database: String = "postgres", extra: String = "") -> String {
        "postgresql://\(user):\(password ?? self.password)@127.0.0.1:\(port)/\(database)" + (extra.isEmpty ? "" : "?" + extra)
    }

    /// Initialises and starts a cluster. With `tls`, the server also speaks
    /// TLS with that certificate and key (`ssl = on`).
    public static func start(tls: (cert: String, key: String)? = nil) throws -> LocalPostgres {
        let initdb = try Self.binary("initdb")
        let bin = (initdb as NSString).deletingLastPathComponent
        let setpriv = try TestSupport.requireTool("setpriv", package: "util-linux")
        let directory = try TestSupport.temporaryDirectory("clm-pg")
        chmod(directory, 0o755)  // the postgres user walks it
        let password = "pw-" + UUID().uuidString.prefix(12)
        let port = try TestSupport.freePort()
        let owned = directory + "/owned"
        try FileManager.default.createDirectory(atPath: owned, withIntermediateDirectories: true)
        try String(password).write(toFile: owned + "/pwfile", atomically: true, encoding: .utf8)
        var options = "-k \(owned) -p \(port) -c listen_addresses=127.0.0.1 -c fsync=off"
        if let tls {
            // The key must be the server user's and 0600, or postgres refuses it.
            try FileManager.default.copyItem(atPath: tls.cert, toPath: owned + "/server.crt")
            try FileManager.default.copyItem(atPath: tls.key, toPath: owned + "/server.key")
            chmod(owned + "/server.key", 0o600)
            options += " -c ssl=on -c ssl_cert_file=\(owned)/server.crt -c ssl_key_file=\(owned)/server.key"
        }
        let server = LocalPostgres(directory: directory, port: port, password: String(password), bin: bin, options: options)
        _ = try TestSupport.runChecked("/bin/chown", ["-R", "postgres:postgres", owned])
        _ = try TestSupport.runChecked("/bin/chown", ["postgres:postgres", directory])
        let asPostgres = ["--reuid=postgres", "--regid=postgres", "--init-groups"]
        try MailServerPID.startDaemon(setpriv, asPostgres + [initdb, "-D", server.dataDirectory, "-U", server.user, "-A", "scram-sha-256",
                                                             "--pwfile=\(owned)/pwfile", "--no-sync"],
                                      environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"], log: directory + "/initdb.log")
        try server.startServer()
        return server
    }

    /// Starts the stopped server again (same data, port and password).
    public func startServer() throws {
        let setpriv = try TestSupport.requireTool("setpriv", package: "util-linux")
        let asPostgres = ["--reuid=postgres", "--regid=postgres", "--init-groups"]
        try MailServerPID.startDaemon(setpriv, asPostgres + [bin + "/pg_ctl", "-D", dataDirectory, "-o", options,
                                                             "-l", dataDirectory + "/server.log", "-w", "-t", "60", "start"],
                                      environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"], log: directory + "/pg_ctl.log")
        guard MailServerPID.isListening("127.0.0.1", port) else {
            stop()
            throw TestSupportError.commandFailed(command: "pg_ctl start", status: -1, stderr: "not listening on \(port): \(log)")
        }
    }

    static func binary(_ name: String) throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/\(name)") {
            return "\(root)/\(version)/bin/\(name)"
        }
        throw TestSupport.MissingTool(name: name, package: "postgresql")
    }

    /// The postmaster's PID (first line of postmaster.pid).
    public var postmasterPID: Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Stops the server (fast shutdown: SIGINT, then SIGKILL).
    public func stop() {
        guard let pid = postmasterPID, pid > 1, kill(pid, 0) == 0 else { return }
        kill(pid, SIGINT)
        for _ in 0..<250 {
            if kill(pid, 0) != 0 { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
    }

    public var log: String { (try? String(contentsOfFile: dataDirectory + "/server.log", encoding: .utf8)) ?? "" }
}
