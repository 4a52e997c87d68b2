import CLMCrypto
import CLMTestSupport
import Foundation
import Testing

/// Key directories are created and checked without following symlinks.
struct SecretDirectoryTests {
    @Test func aPlantedSymlinkIsRefusedAndItsTargetLeftAlone() throws {
        let root = try TemporaryDirectory(prefix: "clm-secret-dir")
        let target = root.url.appendingPathComponent("target").path
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        chmod(target, 0o755)
        let link = root.url.appendingPathComponent("certificates").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: KeyError.self) { try SecretFile.makePrivateDirectory(link) }
        #expect(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int == 0o755)

        let fresh = root.url.appendingPathComponent("fresh/www").path
        try SecretFile.makePrivateDirectory(fresh)
        #expect(try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int == 0o700)
    }
}
