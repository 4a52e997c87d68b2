import CLMCore
import Foundation
import Testing

@Suite struct AtomicFileTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "clm-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    @Test func theFileIsReplacedWholeWithItsModeAndNoTemporaryLeftBehind() throws {
        let path = directory + "/metrics.prom"
        try AtomicFile.write(Array("old\n".utf8), to: path, mode: 0o644)
        try AtomicFile.write(Array("new\n".utf8), to: path, mode: 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["metrics.prom"])
    }

    @Test func aSymlinkAtThePathIsReplacedNotWrittenThrough() throws {
        let victim = directory + "/victim"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: directory + "/out", withDestinationPath: victim)
        try AtomicFile.write(Array("mine".utf8), to: directory + "/out", mode: 0o600)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        #expect(try String(contentsOfFile: directory + "/out", encoding: .utf8) == "mine")
    }

    @Test func aMissingDirectoryIsAClearError() {
        #expect {
            try AtomicFile.write([1], to: directory + "/nope/file", mode: 0o600)
        } throws: { error in
            "\(error)".contains("No such file or directory") && "\(error)".contains("cannot create")
        }
    }
}
