import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Review finding 5: the HAProxy runtime API client under a stuck or busy HAProxy.
@Suite("HAProxy runtime API client", .serialized)
struct RuntimeAPITests {
    @Test("a stats socket whose listen backlog is full fails after the timeout instead of blocking in connect")
    func connectTimesOut() throws {
        let temp = try TemporaryDirectory(prefix: "clm-backlog")
        let path = temp.path + "/admin.sock"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in path.utf8.enumerated() { raw[index] = byte } }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        #expect(withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } } == 0)
        #expect(listen(listener, 0) == 0)
        // Fill the backlog (never accepted) with non-blocking clients.
        var clients: [Int32] = []
        defer { clients.forEach { close($0) } }
        for _ in 0..<8 {
            let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            clients.append(client)
            let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) } }
            if result != 0 { break }
        }
        let outcome = FileSafetyTests.finishes(within: 20) { () -> String in
            do { return "answered: " + (try HAProxyRuntimeAPI(socketPath: path, timeout: 1).send("show info\n")) } catch { return "\(error)" }
        }
        #expect(outcome?.contains("did not accept") == true, "\(outcome ?? "connect blocked past the timeout")")
    }

    @Test("a commit that gets no answer is aborted on a new connection; a read timeout reports what was received")
    func stuckCommitIsAborted() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-fake-haproxy")
        let path = temp.path + "/admin.sock", log = temp.path + "/commands.log"
        let script = temp.path + "/fake.py"
        try """
            import socket, sys
            path, log = sys.argv[1], sys.argv[2]
            s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(8)
            print("PORT 1", flush=True)
            held = []
            while True:
                c, _ = s.accept()
                data = b""
                while b"\\n" not in data or (data.startswith(b"set ") and not data.endswith(b"\\n\\n")):
                    chunk = c.recv(65536)
                    if not chunk: break
                    data += chunk
                first = data.split(b"\\n")[0].decode()
                with open(log, "a") as f: f.write(first + "\\n")
                if first.startswith("set "): c.sendall(("Transaction created for certificate %s!\\n" % first.split()[3]).encode()); c.close()
                elif first.startswith("commit "): c.sendall(b"Committing x"); held.append(c)
                else: c.sendall(b"Transaction aborted for certificate x!\\n"); c.close()
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let server = try RunningProcess.start("python3", aptPackage: "python3", arguments: [script, path, log]) { line in
            line.hasPrefix("PORT ") ? 1 : nil
        }
        defer { server.stop() }
        let outcome = FileSafetyTests.finishes(within: 30) { () -> String in
            do { try HAProxyRuntimeAPI(socketPath: path, timeout: 1).replaceCertificate(path: "/etc/haproxy/www.pem", pem: Array("KEY\n\nCERT\n".utf8)) } catch {
                return "\(error)"
            }
            return "succeeded"
        }
        #expect(outcome?.contains("received so far: Committing x") == true, "\(outcome ?? "did not return")")
        let commands = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(commands == ["set ssl cert /etc/haproxy/www.pem <<", "commit ssl cert /etc/haproxy/www.pem", "abort ssl cert /etc/haproxy/www.pem"])
    }

    @Test("a transaction left open for another certificate is aborted and the swap retried once, against a real HAProxy")
    func ongoingTransactionIsAbortedAndRetried() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-haproxy-tx")
        let oldDir = temp.path + "/old", newDir = temp.path + "/new"
        _ = try await sets.plainFiles("old", names: ["www.example.test"], in: oldDir)
        let new = try await sets.plainFiles("new", names: ["www.example.test"], in: newDir)
        func combined(_ directory: String) throws -> [UInt8] {
            Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/privkey.pem")) + Data(contentsOf: URL(fileURLWithPath: directory + "/fullchain.pem")))
        }
        let crt = temp.path + "/www.pem"
        try Data(try combined(oldDir)).write(to: URL(fileURLWithPath: crt))
        let haproxy = try LocalHAProxy.start(certificate: crt)
        defer { haproxy.stop() }
        let api = HAProxyRuntimeAPI(socketPath: haproxy.socket)
        let other = temp.path + "/other.pem"
        _ = try api.send("new ssl cert \(other)\n")
        let pem = String(decoding: try combined(newDir), as: UTF8.self).split(separator: "\n").filter { !$0.isEmpty }.joined(separator: "\n")
        let open = try api.send("set ssl cert \(other) <<\n\(pem)\n\n")
        #expect(open.contains("Transaction created"), "\(open)")
        try api.replaceCertificate(path: crt, pem: try combined(newDir))
        let shown = try api.send("show ssl cert \(crt)\n")
        let serial = try await TestSupport.openssl(["x509", "-in", newDir + "/cert.pem", "-noout", "-serial"])
        let hex = serial.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
        #expect(shown.uppercased().contains(hex.uppercased()), "HAProxy does not hold the new certificate \(new): \(shown)")
    }

    @Test("a runtime-api target whose path HAProxy's CLI cannot carry is rejected with its line")
    func unsafePathIsRejected() throws {
        let yaml = DeployYAML.certificate("www", domains: "www.example.test", deploy: """
                  - { target: haproxy, path: "/etc/haproxy/certs/www.pem; show info", reload: runtime-api, socket: /run/haproxy/admin.sock }
            """)
        #expect {
            try ConfigLoader().load(yaml: yaml, file: "/etc/clm/clm.yaml")
        } throws: { error in
            "\(error)".contains("clm.yaml:7") && "\(error)".contains("runtime API")
        }
    }
}
