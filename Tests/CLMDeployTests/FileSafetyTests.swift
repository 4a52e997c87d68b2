import Foundation
import Testing
import CLMTestSupport
@testable import CLMDeploy
@testable import CLMLifecycle

/// Review finding 13: reads at stable names cannot hang on a FIFO or eat memory from a device.
@Suite("Reading files at stable names")
struct FileSafetyTests {
    /// Runs `body` on its own thread; nil if it has not finished within `seconds` (the thread is left behind).
    static func finishes<T: Sendable>(within seconds: Double, _ body: @escaping @Sendable () -> T) -> T? {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.start()
        return done.wait(timeout: .now() + seconds) == .success ? box.value : nil
    }

    @Test("a FIFO or a link to /dev/zero at a stable name is refused at once, not read")
    func fifoAndDeviceAreNotRead() async throws {
        let (temp, sets) = try await SetFactory.workspace("clm-fifo")
        let target = temp.path + "/tls/www"
        _ = try await sets.plainFiles("old", names: ["www.example.test"], in: target)
        unlink(target + "/cert.pem")
        #expect(mkfifo(target + "/cert.pem", 0o644) == 0)
        unlink(target + "/chain.pem")
        #expect(symlink("/dev/zero", target + "/chain.pem") == 0)
        let path = target
        let reads = Self.finishes(within: 10) { () -> [String] in
            var problems: [String] = []
            if FileOps.read(path + "/cert.pem") != nil { problems.append("the FIFO was read") }
            if FileOps.read(path + "/chain.pem") != nil { problems.append("/dev/zero was read") }
            if (try? FileOps.readFile(path + "/chain.pem", followLinks: true)) != nil { problems.append("readFile did not throw for /dev/zero") }
            return problems
        }
        #expect(reads == [], "reading a FIFO or /dev/zero did not return, or returned bytes")

        let state = temp.path + "/state"
        let (new, material) = try await sets.stored("new", names: ["www.example.test"], name: "www", stateRoot: state)
        let set = DirectorySet(directory: target, keep: 3, ownership: .unchanged, crash: .disabled)
        let installed = Self.finishes(within: 10) { () -> String in
            do { return try set.install(material).installed } catch { return "failed: \(error)" }
        }
        #expect(installed == "v1", "installing over a FIFO did not return or failed")
        #expect(try servedDirectorySet(target) == new)
    }

    @Test("a certificate file larger than 1 MiB is refused")
    func oversizedFileIsRefused() throws {
        let temp = try TemporaryDirectory(prefix: "clm-big")
        let path = temp.path + "/big.pem"
        try Data(repeating: 0x41, count: FileOps.maximumReadSize + 1).write(to: URL(fileURLWithPath: path))
        #expect(throws: DeployError.self) { _ = try FileOps.readFile(path, followLinks: false) }
        #expect(FileOps.read(path) == nil)
    }
}

/// Written before a semaphore is signalled, read after it.
final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
