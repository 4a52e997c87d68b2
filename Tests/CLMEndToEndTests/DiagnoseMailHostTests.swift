import CLMTestSupport
import Foundation
import Testing

/// `clm diagnose HOST` without a port against Debian's Postfix and Dovecot on
/// the standard mail ports of a spare loopback address (127.x.y.z, so the
/// system's own ports and other tests are never in the way).
@Suite(.timeLimit(.minutes(2)))
struct DiagnoseMailHostTests {
    @Test func aBareHostIsDiagnosedOnEveryStandardMailPortThatAnswers() async throws {
        let clm = try ClmRunner()
        let address = "127.\(Int.random(in: 1...254)).\(Int.random(in: 1...254)).\(Int.random(in: 2...254))"
        let ca = try TestCA()
        let leaf = try ca.issue("mail.example.test", sans: ["mail.example.test", address])
        let tls = try TestSupport.temporaryDirectory("clm-mailhost")
        chmod(tls, 0o755)
        let chain = try String(contentsOfFile: leaf.certPath, encoding: .utf8) + String(contentsOfFile: ca.intermediate.certPath, encoding: .utf8)
        try chain.write(toFile: tls + "/fullchain.pem", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: leaf.keyPath, toPath: tls + "/privkey.pem")
        let postfix = try LocalPostfix.start(tls: ["smtpd_tls_chain_files = \(tls)/privkey.pem, \(tls)/fullchain.pem"],
                                             listeners: [.init("smtp", port: 25), .init("smtps", implicitTLS: true, port: 465),
                                                         .init("submission", port: 587)],
                                             address: address)
        defer { postfix.stop() }
        let dovecot = try LocalDovecot.start(ssl: ["ssl_cert = <\(tls)/fullchain.pem", "ssl_key = <\(tls)/privkey.pem"], address: address,
                                             fixedPorts: ["imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995])
        defer { dovecot.stop() }

        let result = try await clm.run(["diagnose", address, "--ca-file", ca.root.certPath, "--timeout", "5s", "--format", "json"])
        let diagnoses = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]], "\(result.stderrText)")
        let endpoints = Set(diagnoses.compactMap { $0["endpoint"] as? String })
        #expect(endpoints == Set([443, 25, 465, 587, 143, 993, 110, 995].map { "\(address):\($0)" }), "every port, 443 with its reason")
        for diagnosis in diagnoses {
            let refused = diagnosis["endpoint"] as? String == "\(address):443"
            #expect(diagnosis["connected"] as? Bool == !refused, "\(diagnosis["endpoint"] ?? "")")
            #expect(diagnosis["wouldClientAccept"] as? Bool == !refused, "\(diagnosis)")
            if refused {
                let codes = (diagnosis["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
                #expect(codes.contains("connect.refused"), "\(diagnosis)")
            }
        }
        #expect(result.status != 2)

        let table = try await clm.run(["diagnose", address, "--ca-file", ca.root.certPath, "--timeout", "5s"])
        #expect(table.stdoutText.contains("\(address):993 (imap over TLS)"), "\(table.stdoutText)")
        #expect(table.stdoutText.contains("\(address):587 via STARTTLS smtp"))
        #expect(table.stdoutText.contains("on port(s) 443"))
    }
}
