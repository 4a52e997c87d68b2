import CLMTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `clm serve`: stalled and trickling clients must not hold up scrapes
/// (issue 13 item 12, issue 14 item 8).
@Suite(.timeLimit(.minutes(3)))
struct ServeCommandTests {
    @Test func fiftyStalledAndFiftySlowlorisClientsDoNotDelayScrapes() async throws {
        let clm = try ClmRunner()
        let server = try await ServedInventory.start(clm)
        defer { server.stop() }
        // 50 connect and send nothing; 50 send one byte of a request and stop.
        let stalled = try LoopbackClients(port: server.port, count: 50, firstBytes: [])
        let slowloris = try LoopbackClients(port: server.port, count: 50, firstBytes: Array("G".utf8))
        defer { stalled.close(); slowloris.close() }
        for _ in 0..<5 {
            try await server.expectScrape()
        }
        // The stalled clients are still connected (or timed out by the server), never answered.
        #expect(stalled.count == 50 && slowloris.count == 50)
    }

    @Test func moreStalledClientsThanTheConnectionCapStillLeaveRoomForAScrape() async throws {
        let clm = try ClmRunner()
        let server = try await ServedInventory.start(clm)
        defer { server.stop() }
        // Beyond the server's cap (256): the oldest unfinished connections are dropped to make room.
        let stalled = try LoopbackClients(port: server.port, count: 300, firstBytes: Array("GET /metr".utf8))
        defer { stalled.close() }
        for _ in 0..<3 {
            try await server.expectScrape()
        }
        #expect(stalled.closedByPeer() > 0, "the server closes what exceeds its cap or its read deadline")
    }
}

/// `clm metrics --help` names a document that exists.
@Suite struct MetricsHelpTests {
    @Test func metricsHelpPointsToDocsMetricsWhichExists() async throws {
        let help = try await ClmRunner().run(["metrics", "--help"])
        #expect(help.stdoutText.contains("docs/metrics.md"))
        let document = ToolRunner.repositoryRoot.appendingPathComponent("docs/metrics.md").path
        let text = try String(contentsOfFile: document, encoding: .utf8)
        for name in ["x509_read_errors", "x509_source_up", "x509_source_errors_total", "clm_build_info", "serial_number", "tls://"] {
            #expect(text.contains(name), "docs/metrics.md explains \(name)")
        }
    }
}

/// A `clm serve` process over an inventory holding one scanned certificate, killed by PID.
struct ServedInventory {
    let process: Process
    let port: Int

    static func start(_ clm: ClmRunner, scanFirst: Bool = true) async throws -> ServedInventory {
        if scanFirst { try await scanOneCertificate(clm) }
        return try await startServer(clm)
    }

    static func scanOneCertificate(_ clm: ClmRunner) async throws {
        let tree = try clm.directory("tree")
        let factory = clm.certificates
        let ca = try await factory.authority("serve-ca")
        let leaf = try await factory.leaf("served", names: ["served.example.test"], issuer: ca, days: 20)
        try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent("served.pem"))
        let scan = try await clm.run(["scan", tree.path])
        #expect(scan.status == 0, "\(scan.stderrText)")
    }

    static func startServer(_ clm: ClmRunner) async throws -> ServedInventory {
        let port = try TestSupport.freePort()
        let process = Process()
        process.executableURL = clm.binary
        process.arguments = ["serve", "--metrics", "127.0.0.1:\(port)", "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment["CLM_HOME"] = clm.home.url.appendingPathComponent("state").path
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let served = ServedInventory(process: process, port: port)
        for _ in 0..<300 where !TestSupport.isListening(port: port) { try await Task.sleep(for: .milliseconds(100)) }
        guard TestSupport.isListening(port: port) else {
            served.stop()
            throw TestSupportError.commandFailed(command: "clm serve", status: -1, stderr: "not listening on \(port)")
        }
        return served
    }

    /// One scrape with curl, a generous 10 s client timeout (Prometheus's default scrape timeout).
    func expectScrape() async throws {
        let result = try await TestSupport.run("curl", ["-sS", "-m", "10", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/metrics"],
                                               aptPackage: "curl", timeout: 30)
        #expect(result.status == 0, "curl: \(result.stderrText)")
        #expect(result.stdoutText.hasSuffix("\n200"))
        #expect(result.stdoutText.contains("x509_cert_not_after{"))
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// TCP clients on loopback that send `firstBytes` and then nothing more.
final class LoopbackClients: Sendable {
    let descriptors: [Int32]
    var count: Int { descriptors.count }

    init(port: Int, count: Int, firstBytes: [UInt8]) throws {
        var opened: [Int32] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestSupportError.commandFailed(command: "socket", status: errno, stderr: String(cString: strerror(errno))) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                Glibc.close(fd)
                throw TestSupportError.commandFailed(command: "connect 127.0.0.1:\(port)", status: errno, stderr: String(cString: strerror(errno)))
            }
            if !firstBytes.isEmpty { _ = firstBytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
            opened.append(fd)
        }
        descriptors = opened
    }

    /// How many of these connections the server has closed (EOF or reset seen without blocking).
    func closedByPeer() -> Int {
        descriptors.filter { fd in
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return false }
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) <= 0
        }.count
    }

    func close() {
        for fd in descriptors { Glibc.close(fd) }
    }
}
