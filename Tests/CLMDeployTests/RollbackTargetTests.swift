import Foundation
import Testing
import CLMCrypto
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Review findings 1, 2 and 6: what a rollback returns to, after a crash,
/// over certbot-style links, and when the install itself fails after the flip.
@Suite("Rollback targets")
struct RollbackTargetTests {
    @Test("deploying the set that is already live (a rerun after a crash) keeps the old set as the rollback target")
    func rerunKeepsTheOldSetAsRollbackTarget() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-rerun")
        let (target, old, state, _, material) = try await sets.overPlainFiles(in: temp)
        let set = DirectorySet(directory: target, keep: 3, ownership: .unchanged, crash: .disabled)
        _ = try set.install(material)
        let (previous, installed) = try set.install(material)
        #expect(previous == "v0")
        #expect(installed == "v1")
        #expect(set.versions() == [0, 1])
        try set.activate(try #require(previous))
        #expect(try servedDirectorySet(target) == old)

        let haproxyFile = temp.path + "/haproxy/www.pem"
        try FileManager.default.createDirectory(atPath: temp.path + "/haproxy", withIntermediateDirectories: true)
        try (String(contentsOfFile: target + "/privkey.pem", encoding: .utf8) + String(contentsOfFile: target + "/fullchain.pem", encoding: .utf8))
            .write(toFile: haproxyFile, atomically: true, encoding: .utf8)
        let file = CombinedPEMFile(path: haproxyFile, stateRoot: state, keep: 3, ownership: .unchanged, crash: .disabled)
        let first = try file.install(material.combinedPEM)
        let second = try file.install(material.combinedPEM)
        #expect(second == first)
        #expect(file.history().count == 1)
        try file.restore(try #require(second))
        #expect(try servedCombined(haproxyFile) == old)
    }

    @Test("a run that crashed before the reload, rerun with a failing config test, rolls both targets back to the old certificate")
    func crashThenFailingCheckRollsBackToOld() async throws {
        let binary = try ClmBinary.url()
        let (temp, sets) = try await SetFactory.workspace("clm-crash-check")
        let state = temp.path + "/state", nginxDir = temp.path + "/nginx/www", haproxyFile = temp.path + "/haproxy/www.pem"
        let old = try await sets.plainFiles("old", names: ["www.example.test"], in: nginxDir)
        try FileManager.default.createDirectory(atPath: temp.path + "/haproxy", withIntermediateDirectories: true)
        try (String(contentsOfFile: nginxDir + "/privkey.pem", encoding: .utf8) + String(contentsOfFile: nginxDir + "/fullchain.pem", encoding: .utf8))
            .write(toFile: haproxyFile, atomically: true, encoding: .utf8)
        let new = try await sets.store("new", names: ["www.example.test"], name: "www", stateRoot: state)
        let config = temp.path + "/clm.yaml"
        try """
            acme: { server: https://127.0.0.1:1/dir }
            certificates:
              - name: www
                domains: [www.example.test]
                challenge: { type: http-01, standalone: { port: 5002 } }
                deploy:
                  - { target: nginx, dir: \(nginxDir), check: [/usr/bin/false], reload: [/usr/bin/true] }
                  - { target: haproxy, path: \(haproxyFile), reload: command, check: [/usr/bin/false], command: [/usr/bin/true] }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["CLM_HOME"] = state
        environment["CLM_CRASH_AT"] = "deploy.before-reload"
        let crashed = try await TestSupport.run(binary.path, ["deploy", "www", "--config", config], aptPackage: "none", environment: environment)
        #expect(crashed.status == 97, "\(crashed.stderrText)")
        #expect(try servedDirectorySet(nginxDir) == new)
        environment["CLM_CRASH_AT"] = nil
        let rerun = try await TestSupport.run(binary.path, ["deploy", "www", "--config", config], aptPackage: "none", environment: environment)
        #expect(rerun.status == 1, "\(rerun.stdoutText) \(rerun.stderrText)")
        #expect(try servedDirectorySet(nginxDir) == old, "the nginx dir still holds the new set after the rollback")
        #expect(try servedCombined(haproxyFile) == old, "the HAProxy file still holds the new certificate after the rollback")
    }

    @Test("a stable name that is a link (certbot's live/ dir) is copied into v0 through the link, so a rollback restores the whole set")
    func linkedStableNameIsCopiedIntoV0() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-certbot")
        let target = temp.path + "/tls/www"
        let live = temp.path + "/letsencrypt/live/www"
        let old = try await sets.plainFiles("old", names: ["www.example.test"], in: temp.path + "/letsencrypt/archive/www")
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        #expect(symlink("../../archive/www/fullchain.pem", live + "/fullchain.pem") == 0)
        #expect(symlink(live + "/fullchain.pem", target + "/fullchain.pem") == 0)
        try FileManager.default.copyItem(atPath: temp.path + "/letsencrypt/archive/www/privkey.pem", toPath: target + "/privkey.pem")
        let state = temp.path + "/state"
        _ = try await sets.store("new", names: ["www.example.test"], name: "www", stateRoot: state)
        let set = DirectorySet(directory: target, keep: 3, ownership: .unchanged, crash: .disabled)
        let (previous, _) = try set.install(try CertificateStore(stateRoot: state).material(name: "www"))
        #expect(previous == "v0")
        #expect(FileOps.kind(target + "/.clm/v0/fullchain.pem") == .file)
        var info = stat()
        #expect(stat(target + "/.clm/v0/privkey.pem", &info) == 0 && info.st_mode & 0o777 == 0o600)
        try set.activate("v0")
        let key = try PrivateKey(contentsOf: target + "/privkey.pem")
        let leaf = try IssuedCertificate(der: try requireDERImpl(try String(contentsOfFile: target + "/fullchain.pem", encoding: .utf8)))
        #expect(leaf.sha256Hex == old)
        #expect(try key.publicKeySHA256Hex() == leaf.spkiSHA256Hex)
    }

    @Test("a rollback to a version lacking a file the live version has is refused, and the live set stays")
    func incompleteVersionIsNotActivated() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-half")
        let (target, _, state, new, _) = try await sets.overPlainFiles(in: temp)
        let set = DirectorySet(directory: target, keep: 3, ownership: .unchanged, crash: .disabled)
        _ = try set.install(try CertificateStore(stateRoot: state).material(name: "www"))
        // A v0 as an earlier clm built it over a linked fullchain.pem: the key only.
        unlink(target + "/.clm/v0/fullchain.pem")
        #expect(throws: DeployError.self) { try set.activate("v0") }
        #expect(set.currentVersion() == "v1")
        #expect(try servedDirectorySet(target) == new)
    }

    @Test("a failure after the flip flips back before install throws")
    func failureAfterFlipIsUndone() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-undo")
        let target = temp.path + "/tls/www"
        let old = try await sets.plainFiles("old", names: ["www.example.test"], in: target)
        // chain.pem is a directory: linking the stable names fails after `current` was switched.
        unlink(target + "/chain.pem")
        try FileManager.default.createDirectory(atPath: target + "/chain.pem", withIntermediateDirectories: false)
        let state = temp.path + "/state"
        _ = try await sets.store("new", names: ["www.example.test"], name: "www", stateRoot: state)
        let set = DirectorySet(directory: target, keep: 3, ownership: .unchanged, crash: .disabled)
        #expect(throws: DeployError.self) { _ = try set.install(try CertificateStore(stateRoot: state).material(name: "www")) }
        #expect(set.currentVersion() == "v0")
        #expect(CertificateMaterial.fingerprint(ofPEM: FileOps.read(target + "/cert.pem")) == old)
        #expect(CertificateMaterial.fingerprint(ofPEM: FileOps.read(target + "/fullchain.pem")) == old)
    }
}
