internal import Foundation

/// HAProxy's rules for which files one `crt` argument loads.
///
/// - A directory loads every file in it, in name order, except dot files and
///   the reserved companion extensions (`.key`, `.ocsp`, `.issuer`, `.sctl`).
/// - A file that does not exist is a multi-certificate bundle when
///   `ssl-load-extra-files` includes `bundle` (the default): HAProxy loads
///   each of `FILE.rsa`, `FILE.ecdsa` and `FILE.dsa` that exists, as a
///   certificate of its own.
/// - Beside each certificate HAProxy looks for `CERT.key` (when the PEM has
///   no key), `CERT.ocsp`, `CERT.issuer` (to check that OCSP response) and
///   `CERT.sctl`; `ssl-load-extra-del-ext` drops the certificate's
///   extension first (`site.crt` → `site.key`).
struct HAProxyCertificateFiles: Sendable {
    /// `ssl-load-extra-files` keywords in effect.
    struct ExtraFiles: OptionSet, Sendable {
        let rawValue: Int
        static let bundle = ExtraFiles(rawValue: 1)
        static let key = ExtraFiles(rawValue: 2)
        static let ocsp = ExtraFiles(rawValue: 4)
        static let issuer = ExtraFiles(rawValue: 8)
        static let sctl = ExtraFiles(rawValue: 16)
        static let all: ExtraFiles = [.bundle, .key, .ocsp, .issuer, .sctl]

        /// `ssl-load-extra-files none|all|bundle|sctl|ocsp|issuer|key ...`;
        /// nil names the first word HAProxy would refuse.
        static func parse(_ words: ArraySlice<String>) -> (ExtraFiles, unknown: String?) {
            var set: ExtraFiles = []
            for word in words {
                switch word {
                case "none": set = []
                case "all": set = .all
                case "bundle": set.insert(.bundle)
                case "key": set.insert(.key)
                case "ocsp": set.insert(.ocsp)
                case "issuer": set.insert(.issuer)
                case "sctl": set.insert(.sctl)
                default: return (set, word)
                }
            }
            return (set, nil)
        }
    }

    static let reservedSuffixes = [".key", ".ocsp", ".issuer", ".sctl"]
    static let bundleSuffixes = [".rsa", ".ecdsa", ".dsa"]

    var extraFiles: ExtraFiles = .all
    /// `ssl-load-extra-del-ext`.
    var deleteExtension = false

    /// One certificate file HAProxy loads, with its key and OCSP issuer.
    struct Loaded: Equatable {
        var certificate: String
        /// The separate key file, or the certificate itself (a combined PEM).
        var key: String
        var ocspIssuer: String?
    }

    enum Outcome: Equatable {
        case loaded([Loaded])
        case emptyDirectory
        case missing(triedBundle: Bool)
    }

    func load(_ path: String) -> Outcome {
        if ConfigFiles.isDirectory(path) {
            let files = ConfigFiles.files(in: path).filter { file in
                let name = (file as NSString).lastPathComponent
                return !name.hasPrefix(".") && !Self.reservedSuffixes.contains { name.hasSuffix($0) }
            }
            return files.isEmpty ? .emptyDirectory : .loaded(files.map { companions(of: $0) })
        }
        if ConfigFiles.exists(path) { return .loaded([companions(of: path)]) }
        guard extraFiles.contains(.bundle) else { return .missing(triedBundle: false) }
        let members = Self.bundleSuffixes.map { path + $0 }.filter(ConfigFiles.exists)
        return members.isEmpty ? .missing(triedBundle: true) : .loaded(members.map { companions(of: $0) })
    }

    private func companions(of certificate: String) -> Loaded {
        var stem = certificate
        if deleteExtension {
            let name = (certificate as NSString).lastPathComponent
            if let dot = name.lastIndex(of: "."), dot != name.startIndex {
                stem = (certificate as NSString).deletingPathExtension
            }
        }
        let key = stem + ".key"
        let issuer = stem + ".issuer"
        // HAProxy reads `.issuer` only to verify a `.ocsp` response.
        let usesIssuer = extraFiles.contains(.issuer) && extraFiles.contains(.ocsp)
            && ConfigFiles.exists(stem + ".ocsp") && ConfigFiles.exists(issuer)
        return Loaded(certificate: certificate,
                      key: extraFiles.contains(.key) && ConfigFiles.exists(key) ? key : certificate,
                      ocspIssuer: usesIssuer ? issuer : nil)
    }
}
