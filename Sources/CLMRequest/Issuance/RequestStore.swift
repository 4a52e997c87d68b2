internal import Foundation
public import CLMCrypto
public import CLMCore
public import CLMInventory

/// clm's files for the request stage under the state dir (mode 0700):
///
///     accounts/<server>/account.key   0600, PKCS#8 PEM
///     accounts/<server>/account.json  URL, contact, thumbprint
///     certificates/<name>/...         ``CertificateFiles`` (CLMCore) spells this layout
public struct RequestStore: Sendable {
    /// Files under `CLMCore.StateDirectory.path` (or any directory, in tests).
    public let root: String

    public init(root: String) { self.root = root }

    /// A directory name for an ACME server: host and path, made file-safe.
    public static func slug(forDirectoryURL url: String) -> String {
        let trimmed = url.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
        let safe = trimmed.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        return String(safe).trimmingCharacters(in: CharacterSet(charactersIn: "_"))
    }

    public func accountDirectory(_ directoryURL: String) -> String { root + "/accounts/" + Self.slug(forDirectoryURL: directoryURL) }
    public func certificateDirectory(_ name: String) -> String { paths(for: name).directory }

    /// Stored account data (no key material).
    public struct StoredAccount: Codable, Sendable, Hashable {
        public var directoryURL: String
        public var accountURL: String
        public var contact: [String]
        public var keyThumbprint: String
        public var status: String
        /// The trust settings the account was registered with (`--ca-file`):
        /// later commands reach the same CA the same way without repeating them.
        public var caFile: String?
    }

    public func saveAccount(_ credentials: AccountCredentials, directoryURL: String, contact: [String],
                            status: String = "valid", caFile: String? = nil) throws -> AccountRecord {
        let directory = accountDirectory(directoryURL)
        try SecretFile.makePrivateDirectory(root)
        try SecretFile.makePrivateDirectory(directory)
        let keyPath = directory + "/account.key"
        try credentials.key.write(to: keyPath)
        let stored = StoredAccount(directoryURL: directoryURL, accountURL: credentials.url, contact: contact,
                                   keyThumbprint: try credentials.key.jwk().thumbprint, status: status, caFile: caFile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try SecretFile.write(Array(try encoder.encode(stored)), to: directory + "/account.json")
        return AccountRecord(directoryURL: directoryURL, accountURL: credentials.url, keyPath: keyPath,
                             keyThumbprint: stored.keyThumbprint, contact: contact, status: status)
    }

    /// The saved account for a server, or nil when none was registered.
    public func loadAccount(directoryURL: String) throws -> (credentials: AccountCredentials, stored: StoredAccount)? {
        let directory = accountDirectory(directoryURL)
        guard let json = FileManager.default.contents(atPath: directory + "/account.json") else { return nil }
        let stored = try JSONDecoder().decode(StoredAccount.self, from: json)
        let key = try PrivateKey(contentsOf: directory + "/account.key")
        return (AccountCredentials(key: key, url: stored.accountURL), stored)
    }

    /// Every saved account.
    public func listAccounts() -> [StoredAccount] {
        let base = root + "/accounts"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return names.sorted().compactMap { name in
            FileManager.default.contents(atPath: "\(base)/\(name)/account.json").flatMap { try? JSONDecoder().decode(StoredAccount.self, from: $0) }
        }
    }

    /// Writes the key of an order in flight (0600) and returns its path.
    public func writePendingKey(_ key: PrivateKey, name: String) throws -> String {
        try SecretFile.makePrivateDirectory(root)
        try SecretFile.makePrivateDirectory(CertificateFiles.root(root))
        try SecretFile.makePrivateDirectory(certificateDirectory(name))
        let path = paths(for: name).pendingKey
        try key.write(to: path)
        return path
    }

    /// Paths of a stored certificate set.
    public typealias CertificatePaths = CertificateFiles

    public func paths(for name: String) -> CertificatePaths { CertificateFiles(stateRoot: root, name: name) }

    /// Stores an issued set: certificate files first, the key last (each
    /// written to a temp file and renamed), then removes the pending key.
    public func storeIssued(name: String, key: PrivateKey, chain: CertificateChain) throws -> CertificatePaths {
        try SecretFile.makePrivateDirectory(root)
        try SecretFile.makePrivateDirectory(CertificateFiles.root(root))
        try SecretFile.makePrivateDirectory(certificateDirectory(name))
        let paths = paths(for: name)
        try SecretFile.write(Array(chain.leafPEM.utf8), to: paths.certificate)
        try SecretFile.write(Array(chain.intermediatesPEM.utf8), to: paths.chain)
        try SecretFile.write(Array((chain.leafPEM + chain.intermediatesPEM).utf8), to: paths.fullchain)
        try key.write(to: paths.key)
        unlink(paths.pendingKey)
        return paths
    }

    /// The current certificate of `name`, if stored.
    public func currentCertificate(name: String) -> IssuedCertificate? {
        guard let data = FileManager.default.contents(atPath: paths(for: name).certificate),
              let der = IssuedCertificate.derBlocks(fromPEM: String(decoding: data, as: UTF8.self)).first else { return nil }
        return try? IssuedCertificate(der: der)
    }
}
