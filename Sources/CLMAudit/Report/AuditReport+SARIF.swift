internal import CLMCore
internal import Foundation

/// SARIF 2.1.0 (OASIS), the format CI systems import to show findings.
extension AuditReport {
    public static let sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// Where `helpUri` points: docs/audit.md, one anchor per rule code.
    public static let helpBase = "https://github.com/clm-project/clm/blob/main/docs/audit.md"

    /// The report as a SARIF 2.1.0 log with one run, shaped for GitHub code
    /// scanning: every rule that ran as a `reportingDescriptor` (with
    /// `fullDescription`, `helpUri` and `security-severity`), every finding as
    /// a `result` with a physical location and `region.startLine` (1: findings
    /// are about whole files). File URIs are relative to the deepest of `roots`
    /// that contains the path (base ids `SRCROOT`, `SRCROOT2`, ...), else absolute
    /// `file://` URIs. Endpoints get the relative path `endpoints/HOST:PORT`
    /// (GitHub shows only results with a physical location) plus a logical location.
    public func sarif(toolVersion: String, roots: [String] = []) -> String {
        let descriptors = rules.map { settings in
            SARIF.Rule(id: settings.code, name: settings.name,
                       shortDescription: .init(text: settings.descriptor.title),
                       fullDescription: .init(text: "\(settings.descriptor.title) (\(settings.name), \(settings.descriptor.subject.rawValue) rule). Fix: \(settings.descriptor.fix)"),
                       helpUri: "\(Self.helpBase)#\(settings.code.lowercased())",
                       help: .init(text: settings.descriptor.fix),
                       defaultConfiguration: .init(level: SARIF.level(settings.severity)),
                       properties: ["severity": settings.severity.rawValue, "subject": settings.descriptor.subject.rawValue,
                                    "security-severity": SARIF.securitySeverity(settings.severity)])
        }
        let index = Dictionary(rules.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { first, _ in first })
        let base = SARIF.BaseRoot(roots: roots)
        let results = findings.map { finding in
            var locations: [SARIF.Location] = []
            if let location = finding.location {
                if location.hasPrefix("/") {
                    locations.append(SARIF.Location(physicalLocation: .init(artifactLocation: base.artifact(for: location), region: .init(startLine: 1)),
                                                    logicalLocations: nil))
                } else {
                    let path = "endpoints/" + location.replacingOccurrences(of: " ", with: "_")
                    locations.append(SARIF.Location(physicalLocation: .init(artifactLocation: .init(uri: SARIF.percentEncoded(path), uriBaseId: nil),
                                                                            region: .init(startLine: 1)),
                                                    logicalLocations: [.init(name: location, fullyQualifiedName: location, kind: "resource")]))
                }
            }
            var properties = finding.evidence
            properties["severity"] = finding.severity.rawValue
            properties["subject"] = finding.subject
            properties["fix"] = finding.fix
            if let host = finding.host { properties["host"] = host }
            return SARIF.Result(ruleId: finding.code, ruleIndex: index[finding.code], level: SARIF.level(finding.severity),
                                message: .init(text: "\(finding.subject): \(finding.message)"),
                                locations: locations.isEmpty ? nil : locations,
                                partialFingerprints: finding.fingerprint.map { ["certificateSha256/v1": $0] },
                                properties: properties)
        }
        let log = SARIF.Log(schema: Self.sarifSchema, version: "2.1.0", runs: [
            SARIF.Run(tool: .init(driver: .init(name: "clm", version: toolVersion, informationUri: Self.helpBase, rules: descriptors)),
                      originalUriBaseIds: base.originalUriBaseIds,
                      results: results,
                      properties: ["policy": policy, "generatedAt": generatedAt.ISO8601Format()]),
        ])
        return Self.encode(log)
    }
}

/// The subset of SARIF 2.1.0 clm writes.
enum SARIF {
    /// GitHub's scale: 9.0+ critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
    static func securitySeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "9.5"
        case .high: return "8.0"
        case .medium: return "5.5"
        case .low: return "3.0"
        case .info: return "0.0"
        }
    }

    /// Relative URIs: each path segment percent-encoded (RFC 3986 unreserved and "/" kept).
    static func percentEncoded(_ path: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/:@")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// The directories relative URIs start from, each under its own base id
    /// (`SRCROOT`, then `SRCROOT2`, ...); a path under none stays an absolute `file://` URI.
    struct BaseRoot {
        let roots: [(id: String, path: String)]

        init(roots: [String]) {
            var seen: [(id: String, path: String)] = []
            for root in roots {
                let path = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
                guard !seen.contains(where: { $0.path == path }) else { continue }
                seen.append((seen.isEmpty ? "SRCROOT" : "SRCROOT\(seen.count + 1)", path))
            }
            self.roots = seen
        }

        var originalUriBaseIds: [String: BaseURI]? {
            roots.isEmpty ? nil : Dictionary(uniqueKeysWithValues: roots.map { ($0.id, BaseURI(uri: URL(fileURLWithPath: $0.path, isDirectory: true).absoluteString)) })
        }

        func artifact(for path: String) -> ArtifactLocation {
            // The deepest root that holds the path gives the shortest relative URI.
            let holding = roots.filter { path.hasPrefix($0.path == "/" ? "/" : $0.path + "/") }.max { $0.path.count < $1.path.count }
            if let root = holding {
                let relative = String(path.dropFirst(root.path == "/" ? 1 : root.path.count + 1))
                return ArtifactLocation(uri: SARIF.percentEncoded(relative), uriBaseId: root.id)
            }
            return ArtifactLocation(uri: URL(fileURLWithPath: path).absoluteString, uriBaseId: nil)
        }
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low, .info: return "note"
        }
    }

    struct Log: Encodable {
        let schema: String
        let version: String
        let runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }

    struct Run: Encodable {
        let tool: Tool
        let originalUriBaseIds: [String: BaseURI]?
        let results: [Result]
        let properties: [String: String]
    }

    struct Tool: Encodable { let driver: Driver }

    struct BaseURI: Encodable { let uri: String }

    struct Driver: Encodable {
        let name: String
        let version: String
        let informationUri: String
        let rules: [Rule]
    }

    struct Message: Encodable { let text: String }

    struct Rule: Encodable {
        let id: String
        let name: String
        let shortDescription: Message
        let fullDescription: Message
        let helpUri: String
        let help: Message
        let defaultConfiguration: Configuration
        let properties: [String: String]
    }

    struct Configuration: Encodable { let level: String }

    struct Result: Encodable {
        let ruleId: String
        let ruleIndex: Int?
        let level: String
        let message: Message
        let locations: [Location]?
        let partialFingerprints: [String: String]?
        let properties: [String: String]
    }

    struct Location: Encodable {
        let physicalLocation: PhysicalLocation?
        let logicalLocations: [LogicalLocation]?
    }

    struct PhysicalLocation: Encodable {
        let artifactLocation: ArtifactLocation
        let region: Region
    }

    struct ArtifactLocation: Encodable {
        let uri: String
        let uriBaseId: String?
    }

    struct Region: Encodable { let startLine: Int }

    struct LogicalLocation: Encodable {
        let name: String
        let fullyQualifiedName: String
        let kind: String
    }
}
