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

    /// A flow mapping of quoted strings, keys sorted: `{ A: "1", B: "2" }`.
    public static func map(_ items: [String: String]) -> String {
        "{ " + items.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ") + " }"
    }

    /// A flow list of quoted strings: `["a", "b"]`.
    public static func list(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
}
