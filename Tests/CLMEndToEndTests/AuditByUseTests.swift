import CLMTestSupport
import Foundation
import Testing

/// Issue 13 item 13: the audit judges a certificate by how it is used, not by its CA bit.
@Suite(.timeLimit(.minutes(3)))
struct AuditByUseTests {
    @Test func selfSignedServerCertificatesWithTheCABitAreAuditedAsLeaves() async throws {
        let clm = try ClmRunner()
        let tree = clm.home.url.appendingPathComponent("tree")
        for directory in ["mail", "legacy", "bundle"] {
            try FileManager.default.createDirectory(at: tree.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        // `openssl req -x509` as a mail admin types it: CA:TRUE, self-signed, key next to it, 2 days left.
        let mail = tree.appendingPathComponent("mail")
        try await TestSupport.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                       "-keyout", mail.appendingPathComponent("mail.key").path, "-out", mail.appendingPathComponent("mail.pem").path,
                                       "-days", "2", "-subj", "/CN=mail.example.com"])
        let text = try await TestSupport.openssl(["x509", "-in", mail.appendingPathComponent("mail.pem").path, "-noout", "-text"])
        #expect(text.contains("CA:TRUE"), "openssl req -x509 sets CA:TRUE")
        // RSA-1024, also CA:TRUE and self-signed, named by an nginx config (its key is elsewhere, unread).
        let legacy = tree.appendingPathComponent("legacy")
        let scratch = try TemporaryDirectory(prefix: "clm-legacy-key")
        try await TestSupport.openssl(["req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", scratch.file("legacy.key").path,
                                       "-out", legacy.appendingPathComponent("legacy.pem").path, "-days", "300", "-subj", "/CN=legacy.example.com"])
        let nginx = try scratch.write("nginx.conf", """
            events {}
            http {
                server {
                    listen 443 ssl;
                    server_name legacy.example.com;
                    ssl_certificate \(legacy.appendingPathComponent("legacy.pem").path);
                    ssl_certificate_key /nonexistent/legacy.key;
                }
            }
            """)
        // A private root in a custom bundle, 5 days left, no key: still judged.
        let factory = clm.certificates
        let privateRoot = try await factory.authority("private-root", commonName: "Private Root CA", days: 5)
        try FileManager.default.copyItem(at: privateRoot.certificate, to: tree.appendingPathComponent("bundle/private-roots.pem"))

        #expect(try await clm.run(["scan", tree.path]).status == 0)
        _ = try await clm.run(["scan", "--nginx", nginx.path])

        let audit = try await clm.run(["audit", "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout)) as? [String: Any], "\(audit.stderrText)")
        let findings = try #require(document["findings"] as? [[String: Any]])
        let got = Set(findings.map { "\($0["code"] as? String ?? "") \($0["subject"] as? String ?? "")" })
        #expect(got.contains("CLM102 mail.example.com"), "2 days left on the mail server's certificate: \(got)")
        #expect(got.contains("CLM109 mail.example.com"), "self-signed leaf")
        #expect(got.contains("CLM104 legacy.example.com"), "RSA-1024 named by nginx: \(got)")
        #expect(got.contains("CLM109 legacy.example.com"), "named by a server config, so a leaf (self-signed is judged for leaves only): \(got)")
        #expect(got.contains("CLM102 Private Root CA"), "a private root in a custom bundle stays in scope: \(got)")
        let mailExpiring = try #require(findings.first { $0["code"] as? String == "CLM102" && $0["subject"] as? String == "mail.example.com" })
        #expect(mailExpiring["severity"] as? String == "high")

        // SARIF URIs: relative to the scan root by default, to --sarif-root when given.
        for (arguments, expected) in [([String](), "mail/mail.pem"), (["--sarif-root", clm.home.url.path], "tree/mail/mail.pem")] {
            let sarif = try await clm.run(["audit", "--format", "sarif"] + arguments)
            let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout)) as? [String: Any], "\(sarif.stderrText)")
            let results = try #require((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
            let uris = results.compactMap { result -> String? in
                guard let physical = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any] else { return nil }
                #expect((physical["region"] as? [String: Int])?["startLine"] == 1)
                return (physical["artifactLocation"] as? [String: String])?["uri"]
            }
            #expect(uris.contains(expected), "\(arguments): \(uris)")
        }
    }
}
