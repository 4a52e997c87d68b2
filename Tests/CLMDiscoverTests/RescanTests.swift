import CLMDiscover
@testable import CLMInventory
import CLMCrypto
import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2)))
struct RescanTests {
    @Test func rescanningAddsNoDuplicatesAndBumpsLastSeen() async throws {
        let fixture = try ScanFixture()
        let (ca, leaf) = try await fixture.makeLeaf()
        try fixture.place(leaf.certificate, as: "one.pem")
        try fixture.place(try fixture.factory.bundle([leaf.certificate, ca.certificate], to: "b.pem"), as: "two.pem")
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try fixture.scan(now: t0)
        #expect(first.certificatesNew == 2)
        let second = try fixture.scan(now: t0.addingTimeInterval(3600))
        #expect(second.certificatesNew == 0)
        #expect(second.filesUnchanged == 2)
        #expect(second.filesExamined == 0)
        #expect(second.certificatesSeen == 3)
        let certificates = try fixture.certificates()
        #expect(certificates.count == 2)
        #expect(certificates.allSatisfy { $0.firstSeen == 1_800_000_000 })
        #expect(certificates.allSatisfy { $0.lastSeen == 1_800_003_600 })  // bumped without reading the files
        for certificate in certificates {
            #expect(certificate.locations.allSatisfy { $0.lastSeen == 1_800_003_600 && $0.goneSince == nil })
        }
    }

    @Test func aVanishedFileIsMarkedGoneAndComesBackWhenRestored() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let placed = try fixture.place(leaf.certificate, as: "site/cert.pem")
        let keyPath = try fixture.place(leaf.key, as: "site/key.pem")
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try fixture.scan(now: t0)
        try FileManager.default.removeItem(at: placed)
        try FileManager.default.removeItem(at: keyPath)
        let afterRemoval = try fixture.scan(now: t0.addingTimeInterval(60))
        #expect(afterRemoval.locationsGone == 1)
        let fingerprint = try await fixture.factory.fingerprint(of: leaf.certificate)
        let gone = try fixture.inventory.scans.certificate(matching: fingerprint)
        #expect(gone.locations.first?.goneSince == 1_800_000_060)
        #expect(gone.privateKeys.isEmpty)
        #expect(try fixture.inventory.scans.listCertificates().isEmpty)                      // hidden by default
        #expect(try fixture.inventory.scans.listCertificates(includeGone: true).count == 1)  // never deleted
        try fixture.place(leaf.certificate, as: "site/cert.pem")
        _ = try fixture.scan(now: t0.addingTimeInterval(120))
        #expect(try fixture.inventory.scans.certificate(matching: fingerprint).locations.first?.goneSince == nil)
    }

    @Test func aChangedFileIsReadAgain() async throws {
        let fixture = try ScanFixture()
        let (ca, leaf) = try await fixture.makeLeaf()
        let placed = try fixture.place(leaf.certificate, as: "cert.pem")
        _ = try fixture.scan()
        let renewed = try await fixture.factory.leaf("renewed", names: ["www.example.test"], issuer: ca)
        try fixture.place(renewed.certificate, as: "cert.pem")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: placed.path)
        let summary = try fixture.scan()
        #expect(summary.certificatesNew == 1)
        #expect(summary.locationsGone == 1)  // the old certificate is no longer in that file
    }

    @Test func aScanOfOneSubtreeDoesNotMarkOtherTreesGone() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(leaf.certificate, as: "a/cert.pem")
        try fixture.place(leaf.certificate, as: "ab/cert.pem")
        _ = try fixture.scan()
        let partial = try FileScanner(inventory: fixture.inventory).scan(roots: [fixture.tree.appendingPathComponent("a").path])
        #expect(partial.locationsGone == 0)
        #expect(try fixture.certificates().first?.activeLocationCount == 2)
    }
}

@Suite(.timeLimit(.minutes(2)))
struct RescanEdgeCaseTests {
    @Test func goneMarkingWorksUnderNonASCIIRoots() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let placed = try fixture.place(leaf.certificate, as: "zertifikate-ü/ß/cert.pem")
        let root = fixture.tree.appendingPathComponent("zertifikate-ü").path
        _ = try FileScanner(inventory: fixture.inventory).scan(roots: [root])
        try FileManager.default.removeItem(at: placed)
        let summary = try FileScanner(inventory: fixture.inventory).scan(roots: [root])
        #expect(summary.locationsGone == 1)
    }

    /// NFC `é` (C3 A9) and NFD `e` + U+0301 (65 CC 81) are equal Swift strings but two files.
    static let nfc = "caf\u{E9}"
    static let nfd = "cafe\u{301}"

    @Test func siblingDirectoriesWithCanonicallyEquivalentNamesAreBothRecorded() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let (_, other) = try await fixture.makeLeaf("other")
        try fixture.place(leaf.certificate, as: "\(Self.nfc)d/nfc.pem")
        try fixture.place(other.certificate, as: "\(Self.nfd)d/nfd.pem")
        for index in 0..<300 { try fixture.place(leaf.certificate, as: "b/c\(index).pem") }  // listings fetched ahead
        for _ in 0..<3 {
            let summary = try fixture.scan()
            #expect(summary.warnings.isEmpty, "\(summary.warnings)")
            let live = try fixture.inventory.database.prepare(
                "SELECT count(*) FROM location WHERE kind = 'file' AND gone_since IS NULL AND ref NOT LIKE '%/b/%'").scalarInt()
            #expect(live == 2)
        }
    }

    @Test func aRootDoesNotReachItsCanonicallyEquivalentSibling() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(leaf.certificate, as: "\(Self.nfc)d/nfc.pem")
        try fixture.place(leaf.certificate, as: "\(Self.nfd)d/nfd.pem")
        _ = try FileScanner(inventory: fixture.inventory).scan(roots: [fixture.tree.appendingPathComponent("\(Self.nfc)d").path])
        let second = try FileScanner(inventory: fixture.inventory).scan(roots: [fixture.tree.appendingPathComponent("\(Self.nfd)d").path])
        #expect(second.locationsGone == 0)
        #expect(try fixture.certificates().first?.activeLocationCount == 2)
    }

    @Test func twoFilesWithCanonicallyEquivalentNamesAreTrackedApart() async throws {
        let fixture = try ScanFixture()
        let (ca, leaf) = try await fixture.makeLeaf()
        let (_, other) = try await fixture.makeLeaf("other")
        let first = try fixture.place(leaf.certificate, as: "\(Self.nfc).pem")
        try fixture.place(other.certificate, as: "\(Self.nfd).pem")
        _ = try fixture.scan()
        let unchanged = try fixture.scan()
        #expect(unchanged.filesUnchanged == 2 && unchanged.filesExamined == 0)
        let renewed = try await fixture.factory.leaf("renewed", names: ["www.example.test"], issuer: ca)
        try fixture.place(renewed.certificate, as: "\(Self.nfc).pem")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: first.path)
        let summary = try fixture.scan()
        #expect(summary.filesExamined == 1 && summary.locationsGone == 1)
        let replaced = try fixture.inventory.scans.certificate(matching: try await fixture.factory.fingerprint(of: leaf.certificate))
        #expect(replaced.locations.allSatisfy { $0.goneSince != nil })
    }

    @Test func aSiblingWithACommonPrefixIsOutOfScope() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(leaf.certificate, as: "site/cert.pem")
        try fixture.place(leaf.certificate, as: "site-old/cert.pem")
        try fixture.place(leaf.certificate, as: "site0/cert.pem")
        _ = try fixture.scan()
        try FileManager.default.removeItem(at: fixture.tree.appendingPathComponent("site/cert.pem"))
        let summary = try FileScanner(inventory: fixture.inventory).scan(roots: [fixture.tree.appendingPathComponent("site").path])
        #expect(summary.locationsGone == 1)
        #expect(try fixture.certificates().first?.activeLocationCount == 2)
    }
}

/// Gone-marking since the rescan stopped writing per unchanged file (issue 17):
/// what vanished is found from the walk, and one set-wide update renews the rest.
@Suite(.timeLimit(.minutes(2)))
struct RescanSightingTests {
    @Test func anUnchangedFileCostsNoWritePerFileButItsSightingIsRenewed() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        try fixture.place(leaf.certificate, as: "cert.pem")
        try fixture.place(leaf.key, as: "key.pem")
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try fixture.scan(now: t0)
        let second = try fixture.scan(now: t0.addingTimeInterval(600))
        #expect(second.filesUnchanged == 2 && second.filesExamined == 0)
        #expect(second.certificatesSeen == 1 && second.keysSeen == 1)
        // file_state still names the scan that read the files: nothing was written for them.
        let readBy = try fixture.inventory.database.prepare("SELECT DISTINCT last_scan_id FROM file_state").scalarInt()
        #expect(readBy == first.scanID)
        let location = try #require(try fixture.certificates().first?.locations.first)
        #expect(location.lastSeen == 1_800_000_600 && location.goneSince == nil)
        let keySeen = try fixture.inventory.database.prepare("SELECT last_seen FROM private_key").scalarInt()
        #expect(keySeen == 1_800_000_600)
    }

    @Test func aKeyTakenOutOfAFileThatStaysIsMarkedGone() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let certificate = try Data(contentsOf: leaf.certificate)
        let key = try Data(contentsOf: leaf.key)
        let combined = try fixture.write("combined.pem", Array(certificate + key))
        _ = try fixture.scan()
        #expect(try fixture.inventory.database.prepare("SELECT count(*) FROM private_key WHERE gone_since IS NULL").scalarInt() == 1)
        try Data(certificate).write(to: combined)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: combined.path)
        let summary = try fixture.scan()
        #expect(summary.filesExamined == 1 && summary.keysSeen == 0)
        #expect(try fixture.inventory.database.prepare("SELECT count(*) FROM private_key WHERE gone_since IS NULL").scalarInt() == 0)
        #expect(try fixture.certificates().first?.activeLocationCount == 1)
    }

    @Test func whatADeployRecordedIsConfirmedByTheNextScanOrMarkedGoneWhenItsFileIsNotThere() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let (_, other) = try await fixture.makeLeaf("other")
        let present = try fixture.place(leaf.certificate, as: "live/cert.pem")
        _ = try fixture.scan()
        // A deploy records two files: one it wrote under the scanned tree, one that is gone again before the scan.
        let der = try #require(PEMDecoder.blocks(in: Array(try Data(contentsOf: other.certificate))).blocks.first?.der)
        let facts = CertificateFacts(try CertificateInfo(der: der))
        let vanished = fixture.tree.appendingPathComponent("live/removed.pem").path
        try fixture.place(other.certificate, as: "live/cert.pem")
        try fixture.inventory.deploys.recordFiles([(path: present.path, certificates: [facts]), (path: vanished, certificates: [facts])], now: Date())
        let summary = try fixture.scan()
        #expect(summary.filesExamined == 1)  // the deployed file is read again, whatever its stat says
        let deployed = try fixture.inventory.scans.certificate(matching: facts.fingerprintSHA256)
        let live = deployed.locations.filter { $0.goneSince == nil }.map(\.ref)
        #expect(live == [present.path])
        #expect(deployed.locations.contains { $0.ref == vanished && $0.goneSince != nil })
        // The certificate the deploy replaced is no longer at that path.
        let replaced = try fixture.inventory.scans.certificate(matching: try await fixture.factory.fingerprint(of: leaf.certificate))
        #expect(replaced.locations.allSatisfy { $0.goneSince != nil })
    }

    @Test func aThousandVanishedFilesAreMarkedGoneInChunks() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        for index in 0..<1_100 { try fixture.place(leaf.certificate, as: "many/c\(index).pem") }
        try fixture.place(leaf.certificate, as: "kept/cert.pem")
        #expect(try fixture.scan().filesExamined == 1_101)
        try FileManager.default.removeItem(at: fixture.tree.appendingPathComponent("many"))
        let summary = try fixture.scan()
        #expect(summary.locationsGone == 1_100 && summary.filesUnchanged == 1)
        #expect(try fixture.certificates().first?.activeLocationCount == 1)
        #expect(try fixture.inventory.database.prepare("SELECT count(*) FROM file_state").scalarInt() == 1)
    }

    @Test func aFileSkippedOnARescanKeepsWhatItHeld() async throws {
        let fixture = try ScanFixture()
        let (_, leaf) = try await fixture.makeLeaf()
        let placed = try fixture.place(leaf.certificate, as: "big/cert.pem")
        _ = try fixture.scan()
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: placed.path)
        var options = FileScanner.Options()
        options.walker.maxFileSize = 16
        let summary = try fixture.scan(options: options)
        #expect(summary.filesSkipped == 1 && summary.locationsGone == 0)
        #expect(summary.certificatesSeen == 1)
        #expect(try fixture.certificates().first?.activeLocationCount == 1)
    }
}
