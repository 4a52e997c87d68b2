import CLMTestSupport
import Foundation
import Testing

/// `clm scan --haproxy/--nginx` and `clm inventory show` with client
/// certificates toward backends and nginx mail: the role is printed, kept
/// in the inventory and shown with the certificate.
@Suite(.timeLimit(.minutes(2)))
struct ConfigRoleCommandTests {
    @Test func clientCertificatesAndMailSitesAreShownWithTheirRole() async throws {
        let clm = try ClmRunner()
        let ca = try TestCA()
        let client = try ca.issue("haproxy-client.example.test")
        let site = try ca.issue("shop.example.test")
        let mail = try ca.issue("mail.example.test")
        let dir = try clm.directory("conf")
        // HAProxy finds the key as FILE.key beside the certificate.
        try FileManager.default.copyItem(atPath: site.certPath, toPath: dir.appendingPathComponent("site.pem").path)
        try FileManager.default.copyItem(atPath: site.keyPath, toPath: dir.appendingPathComponent("site.pem.key").path)
        try FileManager.default.copyItem(atPath: client.certPath, toPath: dir.appendingPathComponent("client.pem").path)
        try Data("""
            global
                crt-base \(dir.path)
            frontend web
                bind :443 ssl crt site.pem
                default_backend app
            backend app
                default-server ssl verify none crt client.pem
                server s1 10.0.0.1:8443
            """.utf8).write(to: dir.appendingPathComponent("haproxy.cfg"))
        try Data("""
            mail {
                ssl_certificate \(mail.certPath);
                ssl_certificate_key \(mail.keyPath);
                starttls on;
                server { listen 127.0.0.1:993 ssl; listen 127.0.0.1:143; protocol imap; }
            }
            """.utf8).write(to: dir.appendingPathComponent("nginx.conf"))
        let arguments = ["scan", "--haproxy", dir.appendingPathComponent("haproxy.cfg").path,
                         "--nginx", dir.appendingPathComponent("nginx.conf").path]

        let scan = try await clm.run(arguments)
        #expect(scan.status == 0, "\(scan.stderrText)")
        #expect(scan.stdoutText.contains("haproxy.cfg:8: client certificate for backend app server s1 10.0.0.1:8443 -> \(dir.path)/client.pem"),
                "\(scan.stdoutText)")
        #expect(scan.stdoutText.contains("on mail 127.0.0.1:993 tls=imap, mail 127.0.0.1:143 starttls=imap"), "\(scan.stdoutText)")

        let json = try #require(try await clm.json(arguments + ["--format", "json"]) as? [String: Any])
        let sites = try #require(json["sites"] as? [[String: Any]])
        // nginx configs are read first, then HAProxy's.
        try #require(sites.count == 3)
        #expect(sites.map { $0["role"] as? String } == ["server", "server", "client"])
        #expect(sites[2]["role_detail"] as? String == "backend app server s1 10.0.0.1:8443")
        #expect(sites[0]["listeners"] as? [String] == ["127.0.0.1:993 tls=imap", "127.0.0.1:143 starttls=imap"])

        let listing = try #require(try await clm.json(["inventory", "list", "--format", "json"]) as? [[String: Any]])
        let row = try #require(listing.first { $0["subject_cn"] as? String == "haproxy-client.example.test" })
        let fingerprint = try #require(row["fingerprint_sha256"] as? String)
        let show = try #require(try await clm.json(["inventory", "show", fingerprint, "--format", "json"]) as? [String: Any])
        let used = try #require(show["sites"] as? [[String: Any]])
        #expect(used.count == 1)
        #expect(used.first?["role"] as? String == "client")
        #expect(used.first?["config"] as? String == "\(dir.path)/haproxy.cfg:8")
        let table = try await clm.run(["inventory", "show", fingerprint])
        #expect(table.stdoutText.contains("haproxy \(dir.path)/haproxy.cfg:8 client (backend app server s1 10.0.0.1:8443) on 10.0.0.1:8443"),
                "\(table.stdoutText)")
    }
}
