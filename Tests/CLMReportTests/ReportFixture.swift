import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation

/// An inventory holding one expired, one soon-expiring and one long-lived certificate.
struct ReportFixture {
    let temp: TemporaryDirectory
    let inventory: Inventory
    let tree: URL
    let now: Date

    static func make() async throws -> ReportFixture {
        let temp = try TemporaryDirectory(prefix: "clm-report")
        let tree = temp.url.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        let factory = CertificateFactory(directory: temp.url)
        let ca = try await factory.authority("report-ca")
        let soon = try await factory.leaf("soon", names: ["soon.example.test"], issuer: ca, days: 5)
        let later = try await factory.leaf("later", names: ["later.example.test"], issuer: ca, days: 200)
        let expired = try await factory.leaf("old", names: ["old.example.test"], issuer: ca,
                                             notBefore: "20200101000000Z", notAfter: "20210101000000Z")
        for (leaf, name) in [(soon, "soon.pem"), (later, "later.pem"), (expired, "old.pem")] {
            try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent(name))
        }
        let inventory = try Inventory(path: temp.url.appendingPathComponent("inventory.sqlite").path)
        _ = try FileScanner(inventory: inventory).scan(roots: [tree.path])
        return ReportFixture(temp: temp, inventory: inventory, tree: tree, now: Date())
    }
}
