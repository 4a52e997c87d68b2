internal import Foundation

/// A named selection of certificates, endpoints and key files.
///
/// Every criterion given must match (names AND issuers AND ...); within one
/// criterion any pattern may match. Globs use `*`, `?` and `[...]`; `*`
/// also matches `/` and `.`. Names, issuers and hosts compare case-insensitively.
public struct Scope: Sendable, Hashable {
    public var name: String
    /// Globs on the subject CN and SANs.
    public var names: [String] = []
    /// Globs on the issuer DN or issuer CN.
    public var issuers: [String] = []
    /// Globs on file locations (certificate or key file paths).
    public var paths: [String] = []
    /// Globs on endpoint refs (`host:port`) or hosts.
    public var endpoints: [String] = []
    public var ports: [Int] = []
    public var tags: [String] = []

    public init(name: String) { self.name = name }

    public func matches(_ subject: ScopeSubject) -> Bool {
        if !names.isEmpty, !subject.names.contains(where: { name in names.contains { Glob.matches($0, name, caseInsensitive: true) } }) {
            return false
        }
        if !issuers.isEmpty, !subject.issuers.contains(where: { issuer in issuers.contains { Glob.matches($0, issuer, caseInsensitive: true) } }) {
            return false
        }
        if !paths.isEmpty, !subject.files.contains(where: { path in paths.contains { Glob.matches($0, path, caseInsensitive: false) } }) {
            return false
        }
        if !endpoints.isEmpty, !subject.endpoints.contains(where: { endpoint in
            endpoints.contains { Glob.matches($0, endpoint.address, caseInsensitive: true) || Glob.matches($0, endpoint.host, caseInsensitive: true) }
        }) {
            return false
        }
        if !ports.isEmpty, !subject.endpoints.contains(where: { ports.contains($0.port) }) { return false }
        if !tags.isEmpty, !subject.tags.contains(where: tags.contains) { return false }
        return true
    }
}

/// What a scope is matched against: everything known about the thing a finding is about.
public struct ScopeSubject: Sendable, Hashable {
    public struct Endpoint: Sendable, Hashable {
        /// `host:port` (without ` sni=...`).
        public var address: String
        public var host: String
        public var port: Int
    }

    public var names: [String] = []
    public var issuers: [String] = []
    public var files: [String] = []
    public var endpoints: [Endpoint] = []
    public var tags: [String] = []

    public init() {}

    /// Adds a location: a file path, or an endpoint ref (`host:port[ sni=NAME]`).
    public mutating func addLocation(kind: String, ref: String) {
        if kind == "endpoint" {
            if let endpoint = Self.parseEndpoint(ref) { endpoints.append(endpoint) }
        } else {
            files.append(ref)
        }
    }

    static func parseEndpoint(_ ref: String) -> Endpoint? {
        let address = ref.components(separatedBy: " sni=").first ?? ref
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return Endpoint(address: address, host: host, port: port)
    }
}

/// Shell-style glob matching (fnmatch without FNM_PATHNAME).
enum Glob {
    static func matches(_ pattern: String, _ text: String, caseInsensitive: Bool) -> Bool {
        let pattern = caseInsensitive ? pattern.lowercased() : pattern
        let text = caseInsensitive ? text.lowercased() : text
        return fnmatch(pattern, text, 0) == 0
    }
}
