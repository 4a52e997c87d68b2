public import Foundation
public import CLMCrypto
public import CLMInventory
public import CLMRequest
public import CLMDeploy
public import CLMCore
internal import CLMDiscover

/// One owner for the fact "managed certificate NAME is now this one": its
/// files under STATE/certificates/NAME (written by ``RequestStore``, the one
/// place that spells that layout) and its inventory rows (the managed row and
/// the leaf's file locations in the state dir and at every deployed path).
///
/// request, renew, adopt and deploy record through it, so right after any of
/// them `clm inventory`, `clm metrics` and `clm report` show what is live.
public struct CertificateStore: Sendable {
    public let files: RequestStore

    public init(stateRoot: String) { files = RequestStore(root: stateRoot) }

    /// The stored files of `name`.
    public func paths(_ name: String) -> RequestStore.CertificatePaths { files.paths(for: name) }

    /// The certificate `name` has now, if one is stored.
    public func current(name: String) -> IssuedCertificate? { files.currentCertificate(name: name) }

    /// The stored key, certificate and chain of `name`, checked to belong together.
    public func material(name: String) throws(DeployError) -> CertificateMaterial {
        let paths = paths(name)
        // Absent means not issued yet; present but unreadable is reported as what it is.
        guard let leaf = try FileOps.readFile(paths.certificate, followLinks: true) else { throw .noCertificate(name: name, path: paths.certificate) }
        guard let key = try FileOps.readFile(paths.key, followLinks: true) else { throw .noCertificate(name: name, path: paths.key) }
        let chain = try FileOps.readFile(paths.chain, followLinks: true) ?? []
        return try CertificateMaterial(name: name, keyPEM: key, leafPEM: String(decoding: leaf, as: UTF8.self),
                                       chainPEM: String(decoding: chain, as: UTF8.self), keySource: paths.key)
    }

    /// Writes the files of `name` and records the certificates in them, in one step.
    @discardableResult
    public func commit(name: String, key: PrivateKey, chain: CertificateChain, inventory: Inventory, now: Date = Date()) throws -> IssuedCertificate {
        _ = try files.storeIssued(name: name, key: key, chain: chain)
        let material = try material(name: name)
        try inventory.deploys.recordFiles(try storedFiles(name, material: material), now: now)
        try inventory.deploys.recordKeyFiles(Self.keyFiles([paths(name).key], of: try Self.facts(material.certificate.der)), now: now)
        return material.certificate
    }

    /// Records files the issuer just stored: the certificates in them and,
    /// for a name in the config, its managed row.
    public func recordStored(_ issued: IssuedCertificate, name: String, managed: ManagedCertificate?, inventory: Inventory,
                             now: Date = Date()) throws {
        if let managed { try inventory.deploys.recordManagedCertificate(Self.row(managed, issued, now: now)) }
        let material = try material(name: name)
        try inventory.deploys.recordFiles(try storedFiles(name, material: material), now: now)
        try inventory.deploys.recordKeyFiles(Self.keyFiles([paths(name).key], of: try Self.facts(material.certificate.der)), now: now)
    }

    /// Records a successful deploy: what is deployed for the name (a row is
    /// made if none exists) and the certificates in the state dir and at every deployed path.
    public func recordDeployed(_ job: Deployer.Job, inventory: Inventory, now: Date = Date()) throws {
        var row = Self.row(job.certificate, job.material.certificate, now: now)
        row.deployHash = job.certificate.deployFingerprint
        row.deployedFingerprint = job.material.fingerprint
        try inventory.deploys.recordManagedDeploy(row)
        let leaf = try Self.facts(job.material.certificate.der)
        let chain = try [leaf] + IssuedCertificate.derBlocks(fromPEM: job.material.chainPEM).map(Self.facts)
        let deployed = job.certificate.targets.flatMap { target -> [(path: String, certificates: [CertificateFacts])] in
            switch target.kind {
            case .directory(let directory): return [(directory + "/fullchain.pem", chain), (directory + "/cert.pem", [leaf]),
                                                    (directory + "/chain.pem", Array(chain.dropFirst()))]
            case .combinedFile(let path): return [(path, chain)]
            }
        }
        try inventory.deploys.recordFiles(try storedFiles(job.certificate.name, material: job.material) + deployed, now: now)
        let keyPaths = [paths(job.certificate.name).key] + job.certificate.targets.map { target in
            switch target.kind {
            case .directory(let directory): return directory + "/privkey.pem"
            case .combinedFile(let path): return path
            }
        }
        try inventory.deploys.recordKeyFiles(Self.keyFiles(keyPaths, of: leaf), now: now)
    }

    /// The key files at `paths` (those present), described by the
    /// certificate they were checked to belong to.
    static func keyFiles(_ paths: [String], of leaf: CertificateFacts) -> [PrivateKeyFacts] {
        paths.compactMap { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return PrivateKeyFacts(path: path, format: "pkcs8", encrypted: false, spkiSHA256: leaf.spkiSHA256,
                                   keyAlgorithm: leaf.keyAlgorithm, keyBits: leaf.keyBits,
                                   ownerUID: info.st_uid, ownerGID: info.st_gid, mode: UInt32(info.st_mode & 0o7777))
        }
    }

    /// The state dir's certificate files of `name` and what they hold.
    func storedFiles(_ name: String, material: CertificateMaterial) throws -> [(path: String, certificates: [CertificateFacts])] {
        let paths = paths(name)
        let leaf = try Self.facts(material.certificate.der)
        let intermediates = try IssuedCertificate.derBlocks(fromPEM: material.chainPEM).map(Self.facts)
        return [(paths.certificate, [leaf]), (paths.fullchain, [leaf] + intermediates), (paths.chain, intermediates)]
    }

    static func row(_ certificate: ManagedCertificate, _ issued: IssuedCertificate, now: Date) -> ManagedCertificateRow {
        ManagedCertificateRow(
            name: certificate.name, domains: certificate.domains, keyType: certificate.keyType.rawValue, issuanceHash: certificate.issuanceFingerprint,
            fingerprintSHA256: issued.sha256Hex, notBefore: Int64(issued.notBefore.timeIntervalSince1970),
            notAfter: Int64(issued.notAfter.timeIntervalSince1970), ariCertID: RenewalInfoID.certID(for: issued),
            deployHash: nil, deployedFingerprint: nil, updatedAt: Int64(now.timeIntervalSince1970))
    }

    static func facts(_ der: [UInt8]) throws -> CertificateFacts { CertificateFacts(try CertificateInfo(der: der)) }
}
