import CLMAudit
import CLMInventory
import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5)))
struct AuditRuleTests {
    @Test func everyRuleFiresExactlyWhereTheFixtureExpectsIt() async throws {
        let fixture = try await AuditFixture.shared.value
        let policy = try PolicyLoader().load(yaml: AuditFixture.everyRulePolicy, path: "every-rule.yaml")
        #expect(policy.rules.count == RuleCatalog.all.count)
        let report = try Auditor(policy: policy).run(inventory: try fixture.openInventory(), now: fixture.now)
        let rows = report.findings.map { fixture.row(code: $0.code, severity: $0.severity.rawValue, subject: $0.subject, location: $0.location) }
        #expect(rows.count == Set(rows).count, "a finding was reported twice")
        let actual = Set(rows)
        #expect(actual.subtracting(AuditFixture.expected).sorted { $0.lexicographicallyPrecedes($1) } == [], "unexpected findings")
        #expect(AuditFixture.expected.subtracting(actual).sorted { $0.lexicographicallyPrecedes($1) } == [], "missing findings")
        #expect(Set(report.findings.map(\.code)) == Set(RuleCatalog.all.map(\.code)))
    }

    @Test func findingsCarryEvidenceAndTheRulesFixText() async throws {
        let fixture = try await AuditFixture.shared.value
        let policy = try PolicyLoader().load(yaml: AuditFixture.everyRulePolicy, path: "every-rule.yaml")
        let report = try Auditor(policy: policy).run(inventory: try fixture.openInventory(), now: fixture.now)
        for finding in report.findings {
            #expect(!finding.message.isEmpty)
            #expect(finding.fix == RuleCatalog.descriptor(named: finding.rule)?.fix)
        }
        let chains = report.findings.filter { $0.code == "CLM111" }
        #expect(chains.first { $0.subject == "chain.example.com:443" }?.evidence["problem"] == "incomplete")
        #expect(chains.first { $0.subject == "order.example.com:443" }?.evidence["problem"] == "misordered")
        let weak = try #require(report.findings.first { $0.code == "CLM104" })
        #expect(weak.evidence["key"] == "RSA 1024")
        let stale = try #require(report.findings.first { $0.code == "CLM117" })
        #expect(stale.evidence["endpoint"] == "www.example.com:443")
        let reuse = try #require(report.findings.first { $0.code == "CLM116" })
        #expect(reuse.evidence["subjects"] == "reuse-a.example.com,reuse-b.example.com")
        let legacy = try #require(report.findings.first { $0.code == "CLM113" })
        #expect(legacy.evidence["legacy"] == "TLSv1")
        let keys = try #require(report.findings.first { $0.code == "CLM115" })
        #expect(keys.evidence["mode"] == "0644")
    }

    @Test func dayCountsReadAsWords() async throws {
        let fixture = try await AuditFixture.shared.value
        let policy = try PolicyLoader().loadDefault()
        let inventory = try fixture.openInventory()
        let report = try Auditor(policy: policy).run(inventory: inventory, now: fixture.now, only: ["expired", "expiring"])
        for finding in report.findings {
            #expect(finding.message.range(of: #"^(expired (less than a day|1 day|[0-9]+ days) ago|expires in (less than a day|1 day|[0-9]+ days) )"#,
                                          options: .regularExpression) != nil, "\(finding.message)")
        }
        // A day and a half after a certificate expired: "1 day", not "1 days"; an hour after: "less than a day".
        let expired = try #require(report.findings.first { $0.code == "CLM101" })
        let notAfter = try #require(ISO8601DateFormatter().date(from: expired.evidence["not_after"] ?? ""))
        for (offset, text) in [(36.0 * 3_600, "expired 1 day ago"), (3_600.0, "expired less than a day ago")] {
            let later = try Auditor(policy: policy).run(inventory: inventory, now: notAfter.addingTimeInterval(offset), only: ["expired"])
            #expect(later.findings.contains { $0.fingerprint == expired.fingerprint && $0.message == text }, "\(later.findings.map(\.message))")
        }
    }

    @Test func onlyRunsTheNamedRules() async throws {
        let fixture = try await AuditFixture.shared.value
        let policy = try PolicyLoader().loadDefault()
        let report = try Auditor(policy: policy).run(inventory: try fixture.openInventory(), now: fixture.now, only: ["expired", "weak-key"])
        #expect(Set(report.findings.map(\.rule)) == ["expired", "weak-key"])
        #expect(throws: AuditError.self) {
            try Auditor(policy: policy).run(inventory: try fixture.openInventory(), now: fixture.now, only: ["wildcard"])
        }
    }

    @Test func theClockIsInjectedSoLaterAuditsSeeMoreExpiry() async throws {
        let fixture = try await AuditFixture.shared.value
        let policy = try PolicyLoader().loadDefault()
        let inventory = try fixture.openInventory()
        let later = fixture.now.addingTimeInterval(10 * 86_400)
        let expired = try Auditor(policy: policy).run(inventory: inventory, now: later, only: ["expired"]).findings.map(\.subject)
        #expect(Set(expired) == ["expired.example.com", "soon.example.com"])
    }

    @Test func scopesSelectWhatARuleJudges() async throws {
        let fixture = try await AuditFixture.shared.value
        let inventory = try fixture.openInventory()
        func subjects(_ yaml: String, rule: String) throws -> Set<String> {
            let policy = try PolicyLoader().load(yaml: yaml, path: "scoped.yaml")
            return Set(try Auditor(policy: policy).run(inventory: inventory, now: fixture.now, only: [rule]).findings.map(\.subject))
        }
        // names
        #expect(try subjects("""
            scopes: { soon: { names: ["soon.*"] } }
            rules: { expiring: { scope: [soon] } }
            """, rule: "expiring") == ["soon.example.com"])
        // issuer (CN glob, case-insensitive)
        #expect(try subjects("""
            scopes: { outside: { issuers: ["OTHER-*"] } }
            rules: { long-validity: { max-days: 30, scope: [outside] } }
            """, rule: "long-validity") == ["other.example.com"])
        // except: every long-lived leaf but those from good-ca
        #expect(try subjects("""
            scopes: { internal: { issuers: ["GOOD-*"] } }
            rules: { long-validity: { max-days: 30, except: [internal] } }
            """, rule: "long-validity") == ["other.example.com", "chain.example.com", "selfsigned.example.com"])
        // file path glob
        #expect(try subjects("""
            scopes: { lost: { paths: ["*/lost-tree/*"] } }
            rules: { long-validity: { max-days: 30, scope: [lost] } }
            """, rule: "long-validity") == ["lost.example.com"])
        // endpoint glob and port
        #expect(try subjects("""
            scopes: { legacy: { endpoints: ["legacy.*"] }, tls-port: { ports: [443] } }
            rules: { client-cert: { allow: [notRequested], scope: [tls-port] }, legacy-tls: { except: [legacy] } }
            """, rule: "client-cert") == ["mtls.example.com:443"])
        // tags
        try inventory.audit.setTags(["lab"], fingerprint: try #require(
            Auditor(policy: try PolicyLoader().loadDefault()).run(inventory: inventory, now: fixture.now, only: ["weak-key"]).findings.first?.fingerprint))
        #expect(try subjects("""
            scopes: { lab: { tags: [lab] } }
            rules: { weak-key: { except: [lab] } }
            """, rule: "weak-key") == [])
        try inventory.audit.setTags([], fingerprint: try #require(
            Auditor(policy: try PolicyLoader().loadDefault()).run(inventory: inventory, now: fixture.now, only: ["weak-key"]).findings.first?.fingerprint))
    }
}
