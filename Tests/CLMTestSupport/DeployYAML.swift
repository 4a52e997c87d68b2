/// The YAML most deploy tests load: one certificate with an http-01 webroot
/// challenge (never used: the ACME server is unreachable), then `deploy`
/// (its items, and any further top-level keys, as written by the test).
public enum DeployYAML {
    public static func certificate(_ name: String, domains: String, deploy: String) -> String {
        """
        acme: { server: https://127.0.0.1:1/dir }
        certificates:
          - name: \(name)
            domains: [\(domains)]
            challenge: { type: http-01, webroot: /var/www }
            deploy:
        \(deploy)
        """
    }
}
