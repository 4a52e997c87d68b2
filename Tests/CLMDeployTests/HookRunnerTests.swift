import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle
@testable import CLMCore

@Suite("Hook runner")
struct HookRunnerTests {
    @Test("a hook that closes its output and keeps running is killed at the deadline, with its process group")
    func hookThatClosesOutputTimesOut() throws {
        let temp = try TemporaryDirectory(prefix: "clm-hook")
        let pidFile = temp.path + "/pid"
        let argv = ["/bin/sh", "-c", "exec >/dev/null 2>&1; sleep 1000 & echo \"$$ $!\" > \"$1\"; wait", "hook", pidFile]
        // 4 s: the shell must have written its pid file before the deadline, even under TSan.
        let outcome = try HookRunner().run(argv, environment: [:], timeout: 4)
        #expect(outcome.timedOut)
        #expect(!outcome.succeeded)
        let pids = try String(contentsOfFile: pidFile, encoding: .utf8).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        #expect(pids.count == 2)
        // The hook and its `sleep` child (same process group) are gone.
        for pid in pids { #expect(!Self.isRunning(pid), "process \(pid) still runs") }
    }

    /// Whether `pid` exists and is not a zombie (a container's init may reap late).
    static func isRunning(_ pid: Int32) -> Bool {
        for _ in 0..<50 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
            if state == "Z" || state == "X" { return false }
            usleep(20_000)
        }
        return true
    }

    @Test("stdout and stderr are captured, and the exit status is reported")
    func outputIsCaptured() throws {
        let outcome = try HookRunner().run(["/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3"], environment: [:], timeout: 10)
        #expect(outcome.status == 3)
        #expect(!outcome.timedOut)
        #expect(outcome.output.contains("to-out"))
        #expect(outcome.output.contains("to-err"))
    }

    @Test("arguments and CLM_* values reach the hook literally, never through a shell")
    func argvIsNotInterpreted() throws {
        let temp = try TemporaryDirectory(prefix: "clm-hook")
        let marker = temp.path + "/pwned"
        let hostile = "$(touch \(marker)); rm -rf `touch \(marker)` ; echo"
        let out = temp.path + "/argv"
        // The hook writes its argument and an environment value with printf %s: no expansion on its side either.
        let argv = ["/bin/sh", "-c", "printf '%s\\n%s' \"$1\" \"$CLM_DOMAINS\" > \"$2\"", "hook", hostile, out]
        let outcome = try HookRunner().run(argv, environment: ["CLM_DOMAINS": hostile], timeout: 10)
        #expect(outcome.succeeded, "\(outcome.output)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == hostile + "\n" + hostile)
        #expect(!FileManager.default.fileExists(atPath: marker))
        // A program name with shell syntax is a file name, not a command line.
        #expect(throws: HookRunner.Failure.self) { try HookRunner().run(["touch \(marker)"], environment: [:], timeout: 5) }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("hooks do not get CLM_CRASH_AT, only a minimal environment plus their CLM_* variables")
    func crashInjectionIsNotPassedOn() {
        let inherited = ["PATH": "/usr/bin:/bin", "HOME": "/root", "CLM_CRASH_AT": "dir.flipped", "CLM_HOME": "/var/lib/clm", "SECRET_TOKEN": "x"]
        let env = HookEnvironment(passEnv: ["CLM_CRASH_AT"]).environment([:], inherited: inherited)
        #expect(env["CLM_CRASH_AT"] == nil)
        #expect(env["SECRET_TOKEN"] == nil)
        #expect(env["CLM_HOME"] == "/var/lib/clm")
        #expect(env["PATH"] == "/usr/bin:/bin")
    }

    @Test("hooks run at the same time each see their own end of output")
    func concurrentHooksKeepTheirOwnOutput() async throws {
        let results = await withTaskGroup(of: (Int, String).self) { group in
            for index in 0..<6 {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread {
                            let outcome = try? HookRunner().run(["/bin/sh", "-c", "echo hook-$1; sleep 0.2", "hook", "\(index)"], environment: [:], timeout: 20)
                            continuation.resume(returning: (index, outcome?.output ?? "failed"))
                        }.start()
                    }
                }
            }
            var all: [(Int, String)] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 6)
        for (index, output) in results { #expect(output == "hook-\(index)\n") }
    }
}
