import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Review finding 12: the config cannot set CLM_CRASH_AT for hooks, nor deploy two certificates to one place.
@Suite("Config safety checks")
struct ConfigSafetyTests {
    static func config(_ deploy: String, second: String) -> String {
        DeployYAML.certificate("a", domains: "a.example.test", deploy: """
              - \(deploy)
          - name: b
            domains: [b.example.test]
            challenge: { type: http-01, webroot: /var/www }
            deploy:
              - \(second)
        """)
    }

    @Test("env: CLM_CRASH_AT is rejected with its line")
    func crashInjectionCannotBeSet() {
        let yaml = Self.config("{ target: nginx, dir: /etc/nginx/tls/a, env: { CLM_CRASH_AT: dir.flipped } }",
                               second: "{ target: nginx, dir: /etc/nginx/tls/b }")
        #expect {
            try ConfigLoader().load(yaml: yaml, file: "/etc/clm/clm.yaml")
        } throws: { error in
            "\(error)".contains("clm.yaml:7") && "\(error)".contains("CLM_CRASH_AT")
        }
    }

    @Test("two certificates deploying to the same dir or the same file are rejected, naming both", arguments: [
        ("{ target: nginx, dir: /etc/nginx/tls/shared }", "{ target: nginx, dir: /etc/nginx/tls/shared/ }"),
        ("{ target: haproxy, path: /etc/haproxy/certs/x.pem, reload: none }", "{ target: haproxy, path: /etc/haproxy/certs/x.pem, reload: none }"),
    ])
    func sharedTargetIsRejected(first: String, second: String) {
        #expect {
            try ConfigLoader().load(yaml: Self.config(first, second: second), file: "/etc/clm/clm.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("clm.yaml:8") && text.contains("'b'") && text.contains("'a' (/etc/clm/clm.yaml:3)")
        }
        #expect(throws: Never.self) {
            try ConfigLoader().load(yaml: Self.config(first, second: "{ target: nginx, dir: /etc/nginx/tls/other }"), file: "/etc/clm/clm.yaml")
        }
    }
}
