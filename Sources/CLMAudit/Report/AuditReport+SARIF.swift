internal import CLMCore
internal import Foundation

/// SARIF 2.1.0 (OASIS), the format CI systems import to show findings.
extension AuditReport {
    public static let sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// The report as a SARIF 2.1.0 log with one run: every rule that ran as a
    /// `reportingDescriptor`, every finding as a `result`. Files are physical
    /// locations (`file://` URIs); endpoints are logical locations.
    public func sarif(toolVersion: String) -> String {
        let descriptors = rules.map { settings in
            SARIF.Rule(id: settings.code, name: settings.name,
                       shortDescription: .init(text: settings.descriptor.title),
                       help: .init(text: settings.descriptor.fix),
                       defaultConfiguration: .init(level: SARIF.level(settings.severity)),
                       properties: ["severity": settings.severity.rawValue, "subject": settings.descriptor.subject.rawValue])
        }
        let index = Dictionary(rules.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { first, _ in first })
        let results = findings.map { finding in
            var locations: [SARIF.Location] = []
            if let location = finding.location {
                if location.hasPrefix("/") {
                    locations.append(SARIF.Location(physicalLocation: .init(artifactLocation: .init(uri: URL(fileURLWithPath: location).absoluteString)),
                                                    logicalLocations: nil))
                } else {
                    locations.append(SARIF.Location(physicalLocation: nil,
                                                    logicalLocations: [.init(name: location, fullyQualifiedName: location, kind: "resource")]))
                }
            }
            var properties = finding.evidence
            properties["severity"] = finding.severity.rawValue
            properties["subject"] = finding.subject
            properties["fix"] = finding.fix
            return SARIF.Result(ruleId: finding.code, ruleIndex: index[finding.code], level: SARIF.level(finding.severity),
                                message: .init(text: "\(finding.subject): \(finding.message)"),
                                locations: locations.isEmpty ? nil : locations,
                                partialFingerprints: finding.fingerprint.map { ["certificateSha256/v1": $0] },
                                properties: properties)
        }
        let log = SARIF.Log(schema: Self.sarifSchema, version: "2.1.0", runs: [
            SARIF.Run(tool: .init(driver: .init(name: "clm", version: toolVersion, rules: descriptors)),
                      results: results,
                      properties: ["policy": policy, "generatedAt": generatedAt.ISO8601Format()]),
        ])
        return Self.encode(log)
    }
}

/// The subset of SARIF 2.1.0 clm writes.
enum SARIF {
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
        let results: [Result]
        let properties: [String: String]
    }

    struct Tool: Encodable { let driver: Driver }

    struct Driver: Encodable {
        let name: String
        let version: String
        let rules: [Rule]
    }

    struct Message: Encodable { let text: String }

    struct Rule: Encodable {
        let id: String
        let name: String
        let shortDescription: Message
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

    struct PhysicalLocation: Encodable { let artifactLocation: ArtifactLocation }
    struct ArtifactLocation: Encodable { let uri: String }

    struct LogicalLocation: Encodable {
        let name: String
        let fullyQualifiedName: String
        let kind: String
    }
}
