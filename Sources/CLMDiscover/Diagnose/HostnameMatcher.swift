/// Host name matching against certificate identities, per RFC 6125 §6.4.
///
/// - Comparison is case-insensitive; one trailing dot is ignored.
/// - A wildcard is allowed only as the whole left-most label (`*.example.com`):
///   no partial wildcards (`f*o.example.com`, `*oo.example.com`), and it
///   matches exactly one label (`*.example.com` covers `a.example.com`, not
///   `example.com` nor `a.b.example.com`).
/// - A wildcard needs at least two labels after it (`*.com` matches nothing).
/// - IP addresses match only IP identities, never DNS names or wildcards.
public enum HostnameMatcher {
    /// Whether the DNS identity `pattern` (a SAN dNSName) covers `host`.
    public static func matches(pattern: String, host: String) -> Bool {
        let p = normalize(pattern)
        let h = normalize(host)
        guard !p.isEmpty, !h.isEmpty else { return false }
        if !p.contains("*") { return p == h }
        let pLabels = p.split(separator: ".", omittingEmptySubsequences: false)
        let hLabels = h.split(separator: ".", omittingEmptySubsequences: false)
        guard pLabels.first == "*",
              pLabels.dropFirst().allSatisfy({ !$0.contains("*") && !$0.isEmpty }),
              pLabels.count >= 3,
              hLabels.count == pLabels.count,
              let firstHostLabel = hLabels.first, !firstHostLabel.isEmpty else { return false }
        return Array(pLabels.dropFirst()) == Array(hLabels.dropFirst())
    }

    /// Whether any of `names` covers `host`.
    public static func covers(_ names: [String], host: String) -> Bool {
        names.contains { matches(pattern: $0, host: host) }
    }

    static func normalize(_ name: String) -> String {
        var n = name.lowercased()
        if n.hasSuffix(".") { n.removeLast() }
        return n
    }
}
