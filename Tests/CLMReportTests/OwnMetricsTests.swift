import CLMInventory
import CLMReport
import CLMTestSupport
import Foundation
import Testing

/// clm's own series come from what the stages recorded, read through the
/// metrics store.
@Suite struct OwnMetricsTests {
    @Test func renewalsDeploysAndTheLatestAuditBecomeSeries() throws {
        let temp = try TemporaryDirectory(prefix: "clm-own-metrics")
        let inventory = try Inventory(path: temp.url.appendingPathComponent("inventory.sqlite").path)
        let empty = try MetricsExporter(inventory: inventory).render(now: Date(timeIntervalSince1970: 2_000))
        #expect(empty.contains("# TYPE clm_renewals_total counter\n"))
        #expect(!empty.contains("clm_audit_findings{"), "no audit yet, no findings series")
        #expect(empty.contains("\nclm_last_successful_renew_timestamp_seconds 0\n"))

        let t = Date(timeIntervalSince1970: 1_000)
        for (name, failed) in [("www", false), ("mail", true), ("api", true)] {
            try inventory.deploys.recordRenewalRun(name: name, action: "renew", failed: failed, message: nil, at: t)
        }
        for outcome in ["ok", "rolled-back"] {
            try inventory.deploys.recordDeployRun(DeployRunRow(certificateName: "www", target: "nginx /t", action: "deploy", outcome: outcome,
                                                               previousFingerprint: nil, newFingerprint: nil, version: nil, message: nil,
                                                               startedAt: 0, finishedAt: 0))
        }
        try inventory.audit.recordRun(policy: "default", counts: ["critical": 1, "low": 3], at: t.addingTimeInterval(30))
        let text = try MetricsExporter(inventory: inventory).render(now: Date(timeIntervalSince1970: 2_000))
        #expect(text.contains("clm_renewals_total{result=\"failed\"} 2\nclm_renewals_total{result=\"success\"} 1\n"))
        #expect(text.contains("clm_deploys_total{result=\"ok\"} 1\nclm_deploys_total{result=\"rolled-back\"} 1\n"))
        #expect(text.contains("\nclm_last_successful_renew_timestamp_seconds 1000\n"))
        #expect(text.contains("""
            clm_audit_findings{severity="critical"} 1
            clm_audit_findings{severity="high"} 0
            clm_audit_findings{severity="medium"} 0
            clm_audit_findings{severity="low"} 3
            clm_audit_findings{severity="info"} 0

            """))
        #expect(text.contains("\nclm_last_audit_timestamp_seconds 1030\n"))
    }
}
