import Foundation
import Testing

/// The peers' test data (certbot, crossplane, HAProxy reg-tests,
/// x509-certificate-exporter), read in place at `../shared/peer_corpora`
/// beside the repository; MANIFEST.tsv names each file's source and commit.
/// Never copied into the repository: tests materialise what they need in a
/// temp dir.
enum PeerCorpus {
    static func root(file: StaticString = #filePath) -> URL {
        URL(fileURLWithPath: "\(file)")
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/peer_corpora")
    }

    /// The corpus directory `relative`, or a failed requirement naming where it was looked for.
    static func directory(_ relative: String) throws -> URL {
        let url = root().appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        try #require(FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue,
                     "peer corpus missing at \(url.path) (CI provides ../shared/peer_corpora)")
        return url
    }

    /// Copies a corpus tree into `target` with write permission (the corpus is read-only).
    static func copy(_ source: URL, to target: URL) throws {
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: target)
        let enumerator = FileManager.default.enumerator(atPath: target.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
        while let name = enumerator?.nextObject() as? String {
            let path = target.appendingPathComponent(name).path
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            try? FileManager.default.setAttributes([.posixPermissions: isDirectory.boolValue ? 0o755 : 0o644], ofItemAtPath: path)
        }
    }

    /// Git stores a symlink as a file holding its target's path; the corpus
    /// copy kept that text. A short one-line file naming an existing file
    /// beside it becomes the link again.
    static func restoreSymlinks(in dir: URL) throws {
        let enumerator = FileManager.default.enumerator(atPath: dir.path)
        while let name = enumerator?.nextObject() as? String {
            let path = dir.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path.path), !data.isEmpty, data.count < 256,
                  !data.contains(0x0A), !data.contains(0x20) else { continue }
            let target = String(decoding: data, as: UTF8.self)
            guard !target.hasPrefix("/") else { continue }
            let resolved = path.deletingLastPathComponent().appendingPathComponent(target).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  resolved.path != path.standardizedFileURL.path else { continue }
            try FileManager.default.removeItem(at: path)
            try FileManager.default.createSymbolicLink(atPath: path.path, withDestinationPath: target)
        }
    }
}
