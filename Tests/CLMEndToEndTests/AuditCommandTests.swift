import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3)))
struct AuditCommandTests {
    @Test func auditExitsOneAtOrAboveFailOnAndTwoForABadPolicy() async throws {
        let clm = try ClmRunner()
        let tree = try clm.directory("tree")
        let factory = clm.certificates
        let ca = try await factory.authority("audit-ca")
        let expired = try await factory.leaf("expired", names: ["expired.example.com"], issuer: ca,
                                             notBefore: "20200101000000Z", notAfter: "20201231000000Z")
        let fine = try await factory.leaf("fine", names: ["fine.example.com"], issuer: ca, days: 90)
        try FileManager.default.copyItem(at: expired.certificate, to: tree.appendingPathComponent("expired.pem"))
        try FileManager.default.copyItem(at: fine.certificate, to: tree.appendingPathComponent("fine.pem"))
        #expect(try await clm.run(["scan", tree.path]).status == 0)

        let table = try await clm.run(["audit"])
        #expect(table.status == 1)
        #expect(table.stdoutText.contains("CRITICAL (1)"))
        #expect(table.stdoutText.contains("CLM101"))

        let json = try await clm.run(["audit", "--format", "json", "--only", "expiring"])
        #expect(json.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        #expect((document["findings"] as? [Any])?.isEmpty == true)

        let policy = clm.home.url.appendingPathComponent("lenient.yaml")
        try Data("extends: builtin:default\nrules:\n  expired: { severity: medium }\n".utf8).write(to: policy)
        #expect(try await clm.run(["audit", "--policy", policy.path]).status == 0)
        #expect(try await clm.run(["audit", "--policy", policy.path, "--fail-on", "medium"]).status == 1)
        let sarif = try await clm.run(["audit", "--format", "sarif", "--fail-on", "critical", "--rescan"])
        #expect(sarif.status == 1)
        #expect(sarif.stdoutText.contains("\"version\" : \"2.1.0\""))

        try Data("rules:\n  expired: {}\n  wek-key: {}\n".utf8).write(to: policy)
        let bad = try await clm.run(["audit", "--policy", policy.path])
        #expect(bad.status == 2)
        #expect(bad.stderrText.contains("lenient.yaml:3:3: rules.wek-key: unknown rule"))
        let check = try await clm.run(["policy", "check", policy.path])
        #expect(check.status == 2)
        #expect(try await clm.run(["audit", "--only", "nonsense"]).status == 2)
        #expect(try await clm.run(["audit", "--fail-on", "severe"]).status == 2)
    }
}
