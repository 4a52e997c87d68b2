import Foundation
import Testing
import CLMHTTP
import CLMTestSupport
@testable import CLMRequest

@Suite("HTTP client over libcurl")
struct HTTPClientTests {
    @Test("a GET returns status, headers and body; many concurrent requests all complete")
    func getAndConcurrency() async throws {
        let port = try TestSupport.freePort()
        let server = try ChallengeHTTPServer(address: "127.0.0.1", port: port) { path in
            path.hasPrefix("/hello") ? .init(headers: [("X-Clm", "yes"), ("Link", "<a>;rel=\"alternate\"")], body: Array("hi \(path)".utf8)) : nil
        }
        defer { server.stop() }
        let client = try HTTPClient(.init(connections: 3))
        let response = try await client.get("http://127.0.0.1:\(port)/hello")
        #expect(response.status == 200)
        #expect(response.header("x-clm") == "yes")
        #expect(response.headers("LINK") == ["<a>;rel=\"alternate\""])
        #expect(response.bodyText == "hi /hello")
        #expect(try await client.get("http://127.0.0.1:\(port)/nothing").status == 404)
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<30 { group.addTask { try await client.get("http://127.0.0.1:\(port)/hello\(i)").bodyText } }
            var all: [String] = []
            for try await body in group { all.append(body) }
            return all
        }
        #expect(Set(bodies).count == 30)
    }

    @Test("the responder's server: HEAD gets the length and no body, POST 405, an oversized head 431; stop frees the port at once")
    func smallServerLimitsAndStop() async throws {
        let port = try TestSupport.freePort()
        let server = try ChallengeHTTPServer(address: "127.0.0.1", port: port) { path in
            path == "/token" ? .init(body: Array("key-authorization".utf8)) : nil
        }
        let client = try HTTPClient()
        let head = try await client.send(HTTPRequest(.head, "http://127.0.0.1:\(port)/token"))
        #expect(head.status == 200)
        #expect(head.header("content-length") == "17")
        #expect(head.body.isEmpty)
        #expect(try await client.send(HTTPRequest(.post, "http://127.0.0.1:\(port)/token", body: [])).status == 405)
        let oversized = try await client.send(HTTPRequest(.get, "http://127.0.0.1:\(port)/token", headers: [("X-Big", String(repeating: "a", count: 9000))]))
        #expect(oversized.status == 431)
        server.stop()
        // The port is free when stop() returns: the same port binds again right away.
        let again = try ChallengeHTTPServer(address: "127.0.0.1", port: port) { _ in nil }
        #expect(try await client.get("http://127.0.0.1:\(port)/token").status == 404)
        again.stop()
    }

    @Test("stop frees the port even while a child process holds a copy of the listening socket (a hook between fork and exec)")
    func stopFreesThePortAChildStillHolds() async throws {
        let port = try TestSupport.freePort()
        let server = try ChallengeHTTPServer(address: "127.0.0.1", port: port) { _ in nil }
        let listener = try #require(Self.listeningDescriptor(port: port), "no listening socket on \(port) in this process")
        // The child gets the listener as its fd 3 (dup2 clears close-on-exec) and keeps it for a while.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, listener, 3)
        var child: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { for pointer in argv { free(pointer) } }
        try #require(posix_spawn(&child, "/bin/sleep", &actions, nil, argv, environ) == 0)
        defer {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }
        server.stop()
        let again = try ChallengeHTTPServer(address: "127.0.0.1", port: port) { _ in .init(body: Array("again".utf8)) }
        defer { again.stop() }
        #expect(try await HTTPClient().get("http://127.0.0.1:\(port)/x").bodyText == "again")
    }

    /// The descriptor of this process's socket listening on 127.0.0.1:`port`.
    static func listeningDescriptor(port: Int) -> Int32? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        for name in names {
            guard let fd = Int32(name) else { continue }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            var listening: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard named == 0, address.sin_family == sa_family_t(AF_INET), UInt16(bigEndian: address.sin_port) == UInt16(port),
                  getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening == 1 else { continue }
            return fd
        }
        return nil
    }

    @Test("nothing listening gives a curl error naming the URL")
    func connectionRefused() async throws {
        let port = try TestSupport.freePort()
        let client = try HTTPClient()
        do {
            _ = try await client.get("http://127.0.0.1:\(port)/x")
            Issue.record("should fail")
        } catch let error as HTTPError {
            #expect(error.curlCode == 7)
            #expect(error.description.contains("http://127.0.0.1:\(port)/x"))
        }
    }

    @Test("a server that never answers hits the total timeout")
    func totalTimeout() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let port = try TestSupport.freePort()
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(port).bigEndian)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(bound == 0, "bind 127.0.0.1:\(port): errno \(errno)")
        try #require(listen(fd, 8) == 0) // never accepts: the kernel completes the handshake, nobody answers
        let client = try HTTPClient(.init(connectTimeout: .seconds(2), totalTimeout: .milliseconds(300)))
        do {
            _ = try await client.get("http://127.0.0.1:\(port)/slow")
            Issue.record("should time out")
        } catch let error as HTTPError {
            #expect(error.curlCode == 28)
        }
    }

    @Test("TLS is verified: pebble's listener is refused without its CA and accepted with --ca-file")
    func tlsVerification() async throws {
        let pebble = try await Pebble.start()
        defer { pebble.stop() }
        do {
            _ = try await HTTPClient().get(pebble.directoryURL)
            Issue.record("an unknown CA must be refused")
        } catch let error as HTTPError {
            #expect(error.curlCode == 60)
            #expect(error.description.contains("--ca-file"))
        }
        #expect(try await HTTPClient(.init(caFile: pebble.caFile)).get(pebble.directoryURL).status == 200)
    }
}
