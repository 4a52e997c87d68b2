public import Foundation

/// nginx or HAProxy from Debian, serving one certificate on 127.0.0.1 and a
/// free port, in the foreground so it is killed by PID when stopped.
public final class LocalTLSServer: @unchecked Sendable {
    // `process` is only signalled and reaped; Foundation's Process is thread-safe for that.
    public let process: Process
    public let port: Int
    public let directory: String

    init(process: Process, port: Int, directory: String) {
        self.process = process
        self.port = port
        self.directory = directory
    }

    deinit { stop() }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
    }

    /// nginx with `ssl_certificate` = `fullchain` (what the server sends) and `key`.
    public static func nginx(fullchain: String, key: String) throws -> LocalTLSServer {
        let binary = try TestSupport.requireTool("nginx", package: "nginx-light")
        let directory = try TestSupport.temporaryDirectory("clm-nginx")
        let port = try TestSupport.freePort()
        try """
            daemon off; master_process off; worker_processes 1;
            pid \(directory)/nginx.pid; error_log \(directory)/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(directory); proxy_temp_path \(directory); fastcgi_temp_path \(directory);
                uwsgi_temp_path \(directory); scgi_temp_path \(directory);
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(fullchain);
                    ssl_certificate_key \(key);
                    return 200 "ok";
                }
            }
            """.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        return try launch(binary, ["-c", directory + "/nginx.conf", "-p", directory], port: port, directory: directory, log: directory + "/error.log")
    }

    /// HAProxy terminating TLS with `combinedPEM` (key + certificate + chain as sent).
    public static func haproxy(combinedPEM: String) throws -> LocalTLSServer {
        let binary = try TestSupport.requireTool("haproxy", package: "haproxy")
        let directory = try TestSupport.temporaryDirectory("clm-haproxy")
        let port = try TestSupport.freePort()
        try """
            global
                log stdout format raw local0 err
            defaults
                mode http
                timeout connect 5s
                timeout client 5s
                timeout server 5s
            frontend tls
                bind 127.0.0.1:\(port) ssl crt \(combinedPEM)
                http-request return status 200 content-type text/plain string ok

            """.write(toFile: directory + "/haproxy.cfg", atomically: true, encoding: .utf8)   // HAProxy wants a final LF
        return try launch(binary, ["-db", "-f", directory + "/haproxy.cfg"], port: port, directory: directory, log: nil)
    }

    private static func launch(_ binary: String, _ arguments: [String], port: Int, directory: String, log: String?) throws -> LocalTLSServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = directory + "/stdout.log"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = FileHandle(forWritingAtPath: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let server = LocalTLSServer(process: process, port: port, directory: directory)
        for _ in 0..<1_200 {  // up to 30 s: a loaded 2-core machine starts servers slowly
            if TestSupport.isListening(port: port) { return server }
            if !process.isRunning { break }
            usleep(25_000)
        }
        server.stop()
        let text = [output, log].compactMap { $0 }.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
        throw TestSupportError.commandFailed(command: ([binary] + arguments).joined(separator: " "), status: -1, stderr: "did not listen on \(port): \(text)")
    }
}
