import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2)))
struct HostileTreeTests {
    @Test func symlinkLoopsEndAndAFileReachedTwiceIsOneFile() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let real = try fixture.place(leaf.certificate, as: "real/cert.pem")
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: fixture.tree.appendingPathComponent("real/loop").path, withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: fixture.tree.appendingPathComponent("a").path, withDestinationPath: "b")
        try fm.createSymbolicLink(atPath: fixture.tree.appendingPathComponent("b").path, withDestinationPath: "a")
        try fm.createSymbolicLink(atPath: fixture.tree.appendingPathComponent("alias.pem").path, withDestinationPath: real.path)
        try fm.createSymbolicLink(atPath: fixture.tree.appendingPathComponent("dangling.pem").path, withDestinationPath: "/nonexistent/x.pem")
        let summary = try fixture.scan()
        #expect(summary.certificatesSeen == 1)
        let certificate = try #require(try fixture.certificates().first)
        #expect(certificate.locations.map(\.ref) == [real.path])  // the real name wins over the link
        #expect(fixture.warning(for: "a", in: summary) == "symlink loop")
        #expect(fixture.warning(for: "dangling.pem", in: summary)?.contains("broken symlink") == true)
    }

    @Test func fifosSocketsAndDevicesAreSkippedWithoutBeingOpened() async throws {
        let fixture = try ScanFixture()
        let fifo = fixture.tree.appendingPathComponent("pipe.pem").path
        #expect(mkfifo(fifo, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: fixture.tree.appendingPathComponent("zero.pem").path, withDestinationPath: "/dev/zero")
        let socketPath = fixture.tree.appendingPathComponent("s.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            socketPath.utf8CString.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(raw.count))) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        // A FIFO opened for reading would block this scan forever; the time limit catches that.
        let summary = try fixture.scan()
        #expect(summary.filesSkipped == 3)
        #expect(fixture.warning(for: "pipe.pem", in: summary)?.contains("FIFO") == true)
        #expect(fixture.warning(for: "zero.pem", in: summary)?.contains("device") == true)
        #expect(fixture.warning(for: "s.sock", in: summary)?.contains("socket") == true)
    }

    @Test func filesOverTheSizeCapAreSkipped() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let big = try fixture.place(leaf.certificate, as: "big.pem")
        let handle = try FileHandle(forWritingTo: big)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x20, count: 4096))
        try handle.close()
        var options = FileScanner.Options()
        options.walker.maxFileSize = 2048
        let summary = try fixture.scan(options: options)
        #expect(summary.certificatesSeen == 0)
        #expect(fixture.warning(for: "big.pem", in: summary)?.contains("larger than the 2 KiB limit") == true)
    }

    @Test func brokenFilesAreWarningsNamingTheProblem() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let pem = try String(contentsOf: leaf.certificate, encoding: .utf8)
        try fixture.write("empty.pem", [])
        try fixture.write("truncated.pem", Array(pem.prefix(pem.count / 2).utf8))
        try fixture.write("garbage.crt", (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        var lines = pem.split(separator: "\n").map(String.init)
        lines[3] = "!!!!not*base64@@@@" + lines[3].dropFirst(18)
        try fixture.write("badbase64.pem", Array(lines.joined(separator: "\n").utf8))
        try fixture.write("notes.txt", Array("just some notes\n".utf8))
        try fixture.write("der-garbage.der", [0x30, 0x82, 0x05, 0x00, 0x01, 0x02])
        try fixture.place(leaf.certificate, as: "good.pem")
        let summary = try fixture.scan()
        #expect(summary.certificatesNew == 1)
        #expect(fixture.warning(for: "empty.pem", in: summary) == "empty file")
        #expect(fixture.warning(for: "truncated.pem", in: summary)?.lowercased().contains("truncated") == true)
        #expect(fixture.warning(for: "garbage.crt", in: summary) != nil)
        #expect(fixture.warning(for: "badbase64.pem", in: summary)?.lowercased().contains("base64") == true)
        #expect(fixture.warning(for: "der-garbage.der", in: summary) != nil)
        #expect(fixture.warning(for: "notes.txt", in: summary) == nil)  // not certificate material, and not named like it
    }

    @Test func excludedPathsAreNotRead() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(leaf.certificate, as: "keep/cert.pem")
        try fixture.place(leaf.certificate, as: "backup/cert.pem")
        try fixture.place(leaf.certificate, as: "keep/cert.pem.bak")
        var options = FileScanner.Options()
        options.walker.excludes = ["*/backup", "*.bak"]
        let summary = try fixture.scan(options: options)
        #expect(summary.certificatesSeen == 1)
        let certificate = try #require(try fixture.certificates().first)
        #expect(certificate.locations.map(\.ref) == [fixture.tree.appendingPathComponent("keep/cert.pem").path])
    }

    @Test func aMissingRootIsAWarningNotACrash() throws {
        let fixture = try ScanFixture()
        let summary = try FileScanner(inventory: fixture.inventory).scan(roots: [fixture.tree.path + "/does-not-exist"])
        #expect(summary.warnings.map(\.reason) == ["no such file or directory"])
    }
}

/// The walk lists directories ahead on a helper thread (``DirectoryPrefetcher``);
/// what it visits, and in which order, must not depend on that.
@Suite(.timeLimit(.minutes(2)))
struct WalkOrderTests {
    @Test func aDeepTreeIsVisitedOnceEachInNameOrderWithListingsPrefetched() throws {
        let temp = try TemporaryDirectory(prefix: "clm-walk")
        let fm = FileManager.default
        var expected: [String] = []
        for top in ["a", "b", "c", "d"] {
            for middle in ["x", "y", "z"] {
                for leaf in ["p", "q"] {
                    let directory = temp.url.appendingPathComponent("\(top)/\(middle)/\(leaf)")
                    try fm.createDirectory(at: directory, withIntermediateDirectories: true)
                    for file in ["f1", "f2", "f3"] {
                        let path = directory.appendingPathComponent(file).path
                        #expect(fm.createFile(atPath: path, contents: Data(file.utf8)))
                        expected.append(path)
                    }
                }
                let file = temp.url.appendingPathComponent("\(top)/\(middle)/m").path
                #expect(fm.createFile(atPath: file, contents: Data("m".utf8)))
                expected.append(file)
            }
        }
        // A symlinked directory is followed after everything else, and an excluded one is never listed.
        try fm.createSymbolicLink(atPath: temp.url.appendingPathComponent("link").path, withDestinationPath: temp.url.appendingPathComponent("b/x").path)
        try fm.createDirectory(at: temp.url.appendingPathComponent("e/skipme"), withIntermediateDirectories: true)
        #expect(fm.createFile(atPath: temp.url.appendingPathComponent("e/skipme/hidden").path, contents: Data()))
        var options = FileWalker.Options()
        options.excludes = ["skipme"]
        for _ in 0..<20 {
            var visited: [String] = []
            FileWalker(options: options).walk(roots: [temp.path]) { entry in
                if case .file(let snapshot) = entry { visited.append(snapshot.path) }
            }
            #expect(visited == expected.sorted())
        }
    }
}
