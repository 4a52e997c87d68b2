import CLMAudit
import CLMTestSupport
import Foundation
import Testing

@Suite
struct PolicyLoaderTests {
    static func load(_ yaml: String) throws(PolicyError) -> Policy {
        try PolicyLoader().load(yaml: yaml, path: "mine.yaml")
    }

    static func error(_ yaml: String) -> PolicyError? {
        do { _ = try load(yaml) } catch { return error }
        return nil
    }

    @Test(arguments: [
        // (yaml, line, key)
        ("rules:\n  weak-key:\n    min-rsa-bit: 3072\n", 3, "rules.weak-key.min-rsa-bit"),
        ("rules:\n  expired: {}\n  wek-key: {}\n", 3, "rules.wek-key"),
        ("name: x\nrulez: {}\n", 2, "rulez"),
        ("rules:\n  expiring:\n    warn-within: soon\n", 3, "rules.expiring.warn-within"),
        ("rules:\n  expired:\n    severity: urgent\n", 3, "rules.expired.severity"),
        ("rules:\n  weak-key:\n    min-rsa-bits: lots\n", 3, "rules.weak-key.min-rsa-bits"),
        ("rules:\n  self-signed:\n    except: [nowhere]\n", 3, "rules.self-signed.except"),
        ("scopes:\n  a:\n    hosts: [x]\n", 3, "scopes.a.hosts"),
        ("scopes:\n  a:\n    ports: [99999]\n", 3, "scopes.a.ports"),
        ("rules:\n  client-cert:\n    allow: [sometimes]\n", 3, "rules.client-cert.allow"),
        ("rules:\n  legacy-tls:\n    certificates: [leaf]\n", 3, "rules.legacy-tls.certificates"),
        ("rules:\n  expired: {}\n  expired: {}\n", 2, "expired"),
        ("rules: [expired]\n", 1, "rules"),
    ])
    func badPolicyFilesNameTheLineAndKey(yaml: String, line: Int, key: String) throws {
        let error = try #require(Self.error(yaml))
        #expect(error.line == line)
        #expect(error.key == key)
        #expect(error.description.hasPrefix("mine.yaml:\(line):"))
    }

    @Test func yamlSyntaxErrorsGiveFileAndLine() throws {
        let error = try #require(Self.error("rules:\n  expired: {\n  weak-key: [\n"))
        guard case .syntax(let path, let line, _, _) = error else { Issue.record("expected a syntax error, got \(error)"); return }
        #expect(path == "mine.yaml")
        #expect(line >= 2)
    }

    @Test func shippedPoliciesLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["default", "strict", "mail"] {
            let policy = try PolicyLoader().load(path: root.appendingPathComponent("Policies/\(name).yaml").path)
            #expect(policy.name == name)
            #expect(!policy.rules.isEmpty)
        }
        let strict = try PolicyLoader().load(path: root.appendingPathComponent("Policies/strict.yaml").path)
        let weakKey = try #require(strict.rules.first { $0.settings.name == "weak-key" })
        #expect(weakKey.settings.severity == .high)   // inherited from default.yaml
        #expect(strict.sources.count == 2)
    }

    @Test func extendsMergesRuleSettingsKeyByKey() throws {
        let directory = try TemporaryDirectory()
        try directory.write("base.yaml", """
            scopes:
              lab: { names: ["*.lab"] }
            rules:
              expiring: { severity: low, warn-within: 30d, critical-within: 7d }
              weak-key: { min-rsa-bits: 2048 }
              no-san: {}
            """)
        try directory.write("child.yaml", """
            extends: base.yaml
            rules:
              expiring: { warn-within: 60d }
              no-san: { enabled: false }
              self-signed: { except: [lab] }
            """)
        let policy = try PolicyLoader().load(path: directory.file("child.yaml").path)
        #expect(policy.rules.map(\.settings.name) == ["expiring", "weak-key", "self-signed"])
        let expiring = try #require(policy.rules.first)
        #expect(expiring.settings.severity == .low)          // kept from the base
        #expect(policy.name == "child")
        #expect(Set(policy.scopes.keys) == ["lab"])
    }

    @Test func extendsCyclesAndMissingBasesAreErrors() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.yaml", "extends: b.yaml\n")
        try directory.write("b.yaml", "extends: a.yaml\n")
        try directory.write("c.yaml", "name: c\nextends: missing.yaml\n")
        #expect(throws: PolicyError.self) { try PolicyLoader().load(path: directory.file("a.yaml").path) }
        do {
            _ = try PolicyLoader().load(path: directory.file("c.yaml").path)
            Issue.record("missing base accepted")
        } catch {
            #expect(error.key == "extends")
            #expect(error.line == 2)
        }
    }

    @Test func shorthandsSetSeverityOrDisable() throws {
        let policy = try Self.load("extends: builtin:default\nrules:\n  expired: low\n  lost-track: false\n  wildcard:\n")
        #expect(policy.rules.first { $0.settings.name == "expired" }?.settings.severity == .low)
        #expect(!policy.rules.contains { $0.settings.name == "lost-track" })
        #expect(policy.rules.contains { $0.settings.name == "wildcard" })
    }

    @Test func theEmbeddedDefaultPolicyMatchesPoliciesDefaultYaml() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("Policies/default.yaml"), encoding: .utf8)
        #expect(PolicyLoader.builtins["default"] == file, "Policies/default.yaml changed: run scripts/embed-default-policy")
    }
}
