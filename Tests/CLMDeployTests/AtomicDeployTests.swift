import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

@Suite("Atomic certificate sets")
struct AtomicDeployTests {
    @Test("a first deploy over plain files keeps them as v0, then switches all names at once; rollback restores v0")
    func firstDeployOverPlainFiles() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-dir")
        let (target, old, _, new, material) = try await sets.overPlainFiles(in: temp)
        let set = DirectorySet(directory: target, keep: 2, ownership: .unchanged, crash: .disabled)
        let (previous, installed) = try set.install(material)
        #expect(previous == "v0")
        #expect(installed == "v1")
        #expect(try servedDirectorySet(target) == new)
        #expect(FileOps.readLink(target + "/privkey.pem") == ".clm/current/privkey.pem")
        var info = stat()
        #expect(stat(target + "/.clm/v1/privkey.pem", &info) == 0 && info.st_mode & 0o777 == 0o600)
        try set.activate("v0")
        #expect(try servedDirectorySet(target) == old)
    }

    @Test("a planted symlink at a stable name is replaced, never written through")
    func plantedSymlinkIsReplaced() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-dir")
        let target = temp.path + "/tls"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let victim = temp.path + "/victim"
        try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
        symlink(victim, target + "/privkey.pem")
        let state = temp.path + "/state"
        let new = try await sets.store("new", names: ["a.example.test"], name: "a", stateRoot: state)
        let set = DirectorySet(directory: target, keep: 2, ownership: .unchanged, crash: .disabled)
        _ = try set.install(try CertificateStore(stateRoot: state).material(name: "a"))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(try servedDirectorySet(target) == new)
    }

    @Test("only `keep` previous versions stay")
    func oldVersionsArePruned() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-dir")
        let state = temp.path + "/state"
        let (_, first) = try await sets.stored("c", names: ["c.example.test"], name: "c", stateRoot: state)
        let (_, second) = try await sets.stored("d", names: ["c.example.test"], name: "c", stateRoot: state)
        let set = DirectorySet(directory: temp.path + "/t", keep: 2, ownership: .unchanged, crash: .disabled)
        // Alternating sets: installing the set that is already live writes no new version.
        for round in 0..<6 { _ = try set.install(round % 2 == 0 ? first : second) }
        #expect(set.versions() == [4, 5, 6])
        #expect(set.currentVersion() == "v6")
    }

    @Test("a crash at every step leaves a whole old or new set, and the next run finishes with the new one")
    func crashAtEveryStep() async throws {
        let binary = try ClmBinary.url()
        let (temp, sets) = try await SetFactory.workspace("clm-crash")
        var reached: [String] = []
        for step in CrashInjector.steps {
            let root = temp.path + "/" + step
            let state = root + "/state", nginxDir = root + "/nginx/www", haproxyFile = root + "/haproxy/www.pem"
            let old = try await sets.plainFiles("old-\(step)", names: ["www.example.test"], in: nginxDir)
            try FileManager.default.createDirectory(atPath: root + "/haproxy", withIntermediateDirectories: true)
            let oldText = try String(contentsOfFile: nginxDir + "/privkey.pem", encoding: .utf8)
                + (try String(contentsOfFile: nginxDir + "/fullchain.pem", encoding: .utf8))
            try oldText.write(toFile: haproxyFile, atomically: true, encoding: .utf8)
            let new = try await sets.store("new-\(step)", names: ["www.example.test"], name: "www", stateRoot: state)
            let config = root + "/clm.yaml"
            try """
                acme: { server: https://127.0.0.1:1/dir }
                certificates:
                  - name: www
                    domains: [www.example.test]
                    challenge: { type: http-01, standalone: { port: 5002 } }
                    deploy:
                      - { target: nginx, dir: \(nginxDir), reload: none }
                      - { target: haproxy, path: \(haproxyFile), reload: none }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            var environment = ProcessInfo.processInfo.environment
            environment["CLM_HOME"] = state
            environment["CLM_CRASH_AT"] = step
            let crashed = try await TestSupport.run(binary.path, ["deploy", "www", "--config", config], aptPackage: "none", environment: environment)
            if crashed.status == 97 { reached.append(step) } else {
                #expect(crashed.status == 0, "\(step): \(crashed.stderrText)")
            }
            // Whatever happened, each target holds one whole pair: old or new.
            let afterCrash = try servedDirectorySet(nginxDir)
            #expect([old, new].contains(afterCrash), "\(step): nginx dir holds neither set")
            let combinedAfterCrash = try servedCombined(haproxyFile)
            #expect([old, new].contains(combinedAfterCrash), "\(step): haproxy file holds neither set")
            environment["CLM_CRASH_AT"] = nil
            let rerun = try await TestSupport.run(binary.path, ["deploy", "www", "--config", config], aptPackage: "none", environment: environment)
            #expect(rerun.status == 0, "\(step) rerun: \(rerun.stderrText)")
            #expect(try servedDirectorySet(nginxDir) == new, "\(step): rerun did not finish with the new set")
            #expect(try servedCombined(haproxyFile) == new)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: nginxDir + "/.clm").filter { $0.hasSuffix(".tmp") }
            #expect(leftovers.isEmpty, "\(step): \(leftovers)")
        }
        // Every step exists in the code path of this scenario.
        #expect(Set(reached) == Set(CrashInjector.steps), "not reached: \(Set(CrashInjector.steps).subtracting(reached))")
    }
}
