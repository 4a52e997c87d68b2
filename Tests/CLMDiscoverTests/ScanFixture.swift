import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation

/// A temp tree, a factory that fills it, and an inventory beside it.
final class ScanFixture {
    let temp: TemporaryDirectory
    let tree: URL
    let factory: CertificateFactory
    let workshop: URL
    let inventory: Inventory

    init() throws {
        temp = try TemporaryDirectory(prefix: "clm-scan")
        tree = temp.url.appendingPathComponent("tree")
        workshop = temp.url.appendingPathComponent("workshop")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: workshop, withIntermediateDirectories: true)
        factory = CertificateFactory(directory: workshop)
        inventory = try Inventory(path: temp.url.appendingPathComponent("inventory.sqlite").path)
    }

    /// Copies a workshop file into the tree under `name` (subdirectories created).
    @discardableResult
    func place(_ file: URL, as name: String) throws -> URL {
        let target = tree.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: file, to: target)
        return target
    }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let target = tree.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: target)
        return target
    }

    func scan(options: FileScanner.Options = FileScanner.Options(), now: Date = Date()) throws -> ScanRecorder.Summary {
        try FileScanner(inventory: inventory, options: options).scan(roots: [tree.path], now: now)
    }

    func certificates() throws -> [InventoryCertificate] {
        try inventory.scans.listCertificates(includeGone: true).map { try inventory.scans.certificate(matching: $0.facts.fingerprintSHA256) }
    }

    func warning(for name: String, in summary: ScanRecorder.Summary) -> String? {
        let path = tree.appendingPathComponent(name).path
        return summary.warnings.first { $0.ref == path }?.reason
    }

    /// A CA and a leaf for www.example.test, ready to place.
    func makeLeaf(_ name: String = "www", keySpec: String = "ec") async throws -> (CertificateFactory.Authority, CertificateFactory.Leaf) {
        let ca = try await factory.authority("\(name)-ca")
        let leaf = try await factory.leaf(name, names: ["\(name).example.test"], issuer: ca, keySpec: keySpec)
        return (ca, leaf)
    }
}
