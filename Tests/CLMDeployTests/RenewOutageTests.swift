import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Review finding 3: an unreachable CA is a per-certificate failure, not a config error.
@Suite("Renew with the CA down")
struct RenewOutageTests {
    @Test("with the CA unreachable, `clm renew` fails the certificates due for renewal, still deploys the others, notifies and exits 1")
    func unreachableCAFailsRenewalsButDeploysTheRest() async throws {
        let binary = try ClmBinary.url()
        let (temp, sets) = try await SetFactory.workspace("clm-ca-down")
        let state = temp.path + "/state", nginxDir = temp.path + "/nginx/www"
        let new = try await sets.store("new", names: ["www.example.test"], name: "www", stateRoot: state)
        let notified = temp.path + "/notified.log"
        let hook = temp.path + "/notify.sh"
        try "#!/bin/sh\necho \"$CLM_NOTIFY_EVENT $CLM_CERT_NAME\" >> \"\(notified)\"\n".write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let port = try closedLocalPort()
        let config = temp.path + "/clm.yaml"
        try """
            acme: { server: "https://127.0.0.1:\(port)/dir", email: [ops@example.test] }
            notify: { command: [\(hook)] }
            certificates:
              - name: www
                domains: [www.example.test]
                challenge: { type: http-01, webroot: \(temp.path)/webroot }
                deploy:
                  - { target: nginx, dir: \(nginxDir), reload: none }
              - name: fresh
                domains: [fresh.example.test]
                challenge: { type: http-01, webroot: \(temp.path)/webroot }
                deploy:
                  - { target: nginx, dir: \(temp.path)/nginx/fresh, reload: none }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["CLM_HOME"] = state
        environment["CLM_CRASH_AT"] = nil
        let result = try await TestSupport.run(binary.path, ["renew", "--config", config], aptPackage: "none", environment: environment)
        #expect(result.status == 1, "\(result.stdoutText) \(result.stderrText)")
        #expect(result.stdoutText.contains("fresh: FAILED: the ACME server"), "\(result.stdoutText)")
        #expect(!result.stdoutText.contains("www: FAILED"), "\(result.stdoutText)")
        #expect(try servedDirectorySet(nginxDir) == new)
        #expect((try? String(contentsOfFile: notified, encoding: .utf8)) == "failure fresh\n")
    }
}
