internal import Foundation

/// The one environment policy for every hook clm runs: deploy hooks, target
/// checks and reloads, notify commands and dns-01 hooks.
///
/// A hook sees a small fixed set inherited from clm (``inheritedAlways``),
/// the variables the operator names in `hooks: pass_env:` (proxies, cloud
/// credentials), the CLM_* variables of its phase, and aliases under the
/// names certbot and lego use, so existing hook scripts run unchanged.
/// Nothing else leaks through: clm's own environment may hold secrets meant
/// for clm alone. The table is in docs/deploy.md ("Hook environment").
public struct HookEnvironment: Sendable, Hashable {
    /// Always inherited when set: enough to find programs and format text.
    public static let inheritedAlways = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "CLM_HOME"]
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// `hooks: pass_env:` — more variables to inherit by name.
    public var passEnv: [String]

    public init(passEnv: [String] = []) {
        self.passEnv = passEnv
    }

    /// Whether `name` may be listed in `pass_env`: a plain variable name, and
    /// not CLM_CRASH_AT (crash injection is for clm itself, never its hooks).
    public static func isPassable(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name != "CLM_CRASH_AT" && name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
    }

    /// The complete environment of a hook whose own variables are `variables`.
    public func environment(_ variables: [String: String], inherited: [String: String]? = nil) -> [String: String] {
        let inherited = inherited ?? ProcessInfo.processInfo.environment
        var env = ["PATH": inherited["PATH"] ?? Self.defaultPath]
        for key in Self.inheritedAlways + passEnv where key != "CLM_CRASH_AT" {
            if let value = inherited[key] { env[key] = value }
        }
        for (key, value) in Self.aliases(for: variables) { env[key] = value }
        for (key, value) in variables { env[key] = value }
        return env
    }

    /// certbot's and lego's names for the CLM_* variables present.
    ///
    /// | alias | from |
    /// |---|---|
    /// | RENEWED_LINEAGE | directory of CLM_CERT_PATH (cert.pem, privkey.pem, fullchain.pem, chain.pem) |
    /// | RENEWED_DOMAINS | CLM_DOMAINS (space-separated) |
    /// | LEGO_CERT_PATH | CLM_FULLCHAIN_PATH (lego's .crt holds the chain too) |
    /// | LEGO_CERT_KEY_PATH | CLM_KEY_PATH |
    /// | LEGO_CERT_DOMAIN | first name of CLM_DOMAINS |
    /// | CERTBOT_DOMAIN, CERTBOT_VALIDATION | CLM_DOMAIN, CLM_RECORD_VALUE (dns-01 hooks) |
    public static func aliases(for variables: [String: String]) -> [String: String] {
        var aliases: [String: String] = [:]
        if let cert = variables["CLM_CERT_PATH"] { aliases["RENEWED_LINEAGE"] = (cert as NSString).deletingLastPathComponent }
        if let domains = variables["CLM_DOMAINS"] {
            aliases["RENEWED_DOMAINS"] = domains
            if let first = domains.split(separator: " ").first { aliases["LEGO_CERT_DOMAIN"] = String(first) }
        }
        if let fullchain = variables["CLM_FULLCHAIN_PATH"] ?? variables["CLM_CERT_PATH"] { aliases["LEGO_CERT_PATH"] = fullchain }
        if let key = variables["CLM_KEY_PATH"] { aliases["LEGO_CERT_KEY_PATH"] = key }
        if let domain = variables["CLM_DOMAIN"] { aliases["CERTBOT_DOMAIN"] = domain }
        if let value = variables["CLM_RECORD_VALUE"] { aliases["CERTBOT_VALIDATION"] = value }
        return aliases
    }
}
