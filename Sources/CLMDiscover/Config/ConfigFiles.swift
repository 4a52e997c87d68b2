internal import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// File helpers shared by the config readers.
enum ConfigFiles {
    /// Far beyond any real config; a bigger "config" is not read.
    static let maxFileSize = 16 << 20

    /// Regular files only (symlinks followed), of a sane size: `include
    /// /dev/zero` or a FIFO must not hang the reader.
    static func read(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= maxFileSize,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// `path` made absolute against `base` and normalised.
    static func resolve(_ path: String, relativeTo base: String) -> String {
        let joined = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }

    /// Paths matching a shell glob, sorted (nginx and HAProxy sort too).
    static func glob(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            return exists(pattern) ? [pattern] : []
        }
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }

    /// Regular files in a directory, sorted.
    static func files(in dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.sorted().map { (dir as NSString).appendingPathComponent($0) }.filter { !isDirectory($0) }
    }
}
