import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Review finding 7: errors keep their cause.
@Suite("Error causes")
struct ErrorCauseTests {
    @Test("mkdir -p under a regular file reports that, not 'permission denied'")
    func makeDirectoriesKeepsTheCause() throws {
        let temp = try TemporaryDirectory(prefix: "clm-mkdir")
        try "x".write(toFile: temp.path + "/file", atomically: true, encoding: .utf8)
        do {
            try FileOps.makeDirectories(temp.path + "/file/sub/dir", mode: 0o755)
            Issue.record("no error")
        } catch {
            #expect(error == .unsafePath(path: temp.path + "/file", why: "it exists and is not a directory"), "\(error)")
            #expect(!error.description.contains("Permission denied"))
        }
        try FileOps.makeDirectories(temp.path + "/a/b/c", mode: 0o755)
        #expect(FileOps.kind(temp.path + "/a/b/c") == .directory)
    }

    @Test("an unreadable stored certificate is not reported as 'not issued yet'; an unparsable key is not reported as a mismatch")
    func storedSetErrorsKeepTheirCause() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-stored")
        let state = temp.path + "/state"
        _ = try await sets.store("www", names: ["www.example.test"], name: "www", stateRoot: state)
        let directory = state + "/certificates/www"

        let key = try Data(contentsOf: URL(fileURLWithPath: directory + "/privkey.pem"))
        try "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n".write(toFile: directory + "/privkey.pem", atomically: true, encoding: .utf8)
        #expect {
            _ = try CertificateStore(stateRoot: state).material(name: "www")
        } throws: { error in
            if case .unusableKey = error as? DeployError { return true } else { return false }
        }
        try key.write(to: URL(fileURLWithPath: directory + "/privkey.pem"))

        let certificate = try Data(contentsOf: URL(fileURLWithPath: directory + "/cert.pem"))
        unlink(directory + "/cert.pem")
        try FileManager.default.createDirectory(atPath: directory + "/cert.pem", withIntermediateDirectories: false)
        #expect {
            _ = try CertificateStore(stateRoot: state).material(name: "www")
        } throws: { error in
            if case .unreadable = error as? DeployError { return true } else { return false }
        }
        try FileManager.default.removeItem(atPath: directory + "/cert.pem")
        try certificate.write(to: URL(fileURLWithPath: directory + "/cert.pem"))
        _ = try CertificateStore(stateRoot: state).material(name: "www")
    }

    @Test("an unreadable inventory does not make every stored certificate 'not deployed by clm yet'")
    func unreadableInventoryRedeploysNothing() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-noinv")
        let state = temp.path + "/state"
        _ = try await sets.store("www", names: ["www.example.test"], name: "www", stateRoot: state)
        let config = try ConfigLoader().load(yaml: DeployYAML.certificate("www", domains: "www.example.test", deploy: """
                  - { target: nginx, dir: \(temp.path)/nginx, reload: none }
            """), file: temp.path + "/clm.yaml")
        let notADatabase = temp.path + "/inventory.sqlite"
        try FileManager.default.createDirectory(atPath: notADatabase, withIntermediateDirectories: false)
        var options = Renewer.Options()
        options.planOnly = true
        let summary = try await Renewer(config: config, stateRoot: state, inventoryPath: notADatabase).run(options)
        let item = try #require(summary.plan.first)
        #expect(item.action == .none, "\(item.reason)")
        #expect(item.reason.contains("cannot be read"))
    }
}
