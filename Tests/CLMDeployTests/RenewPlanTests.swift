import Foundation
import Testing
import CLMCrypto
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Review finding 8: an ARI window wins over the lifetime rule in both directions.
@Suite("Renewal plan with ARI")
struct RenewPlanTests {
    @Test("a certificate due by the lifetime rule is re-planned by the ARI window: later means not due yet, earlier stays due")
    func ariWindowWinsOverLifetime() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-ari")
        let state = temp.path + "/state"
        _ = try await sets.store("www", names: ["www.example.test"], name: "www", stateRoot: state)
        let leaf = try IssuedCertificate(der: try requireDERImpl(try String(contentsOfFile: state + "/certificates/www/cert.pem", encoding: .utf8)))
        let config = try ConfigLoader().load(yaml: """
            acme: { server: https://127.0.0.1:1/dir }
            certificates:
              - name: www
                domains: [www.example.test]
                challenge: { type: http-01, webroot: /var/www }
            """, file: temp.path + "/clm.yaml")
        // One day before expiry: well inside the last third of the lifetime.
        let now = leaf.notAfter.addingTimeInterval(-86_400)
        let renewer = Renewer(config: config, stateRoot: state, inventoryPath: temp.path + "/inventory.sqlite", now: { now })
        let certificate = try #require(config.certificate(named: "www"))
        let byLifetime = renewer.planItem(certificate, row: nil, options: Renewer.Options(), ariRenewAt: nil)
        #expect(byLifetime.action == .renew)
        #expect(Renewer.consultsARI(byLifetime), "an item due only by the lifetime rule must still ask the CA's ARI window")
        let later = renewer.planItem(certificate, row: nil, options: Renewer.Options(), ariRenewAt: now.addingTimeInterval(3600))
        #expect(later.action == .none, "\(later.reason)")
        let earlier = renewer.planItem(certificate, row: nil, options: Renewer.Options(), ariRenewAt: now.addingTimeInterval(-3600))
        #expect(earlier.action == .renew)
        var forced = Renewer.Options()
        forced.due = DuePolicy(force: true)
        #expect(!Renewer.consultsARI(renewer.planItem(certificate, row: nil, options: forced, ariRenewAt: nil)))
    }
}
