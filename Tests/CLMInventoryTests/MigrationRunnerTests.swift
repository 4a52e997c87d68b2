@testable import CLMInventory
import CLMSQLite
import CLMTestSupport
import Foundation
import Testing

@Suite struct MigrationRunnerTests {
    let temp: TemporaryDirectory
    let path: String

    init() throws {
        temp = try TemporaryDirectory(prefix: "clm-migrations")
        path = temp.url.appendingPathComponent("inventory.sqlite").path
    }

    @Test func aFreshDatabaseGetsEveryMigrationAndMode0600() throws {
        let inventory = try Inventory(path: path)
        #expect(try inventory.schemaVersion() == MigrationRunner().latestVersion)
        #expect(MigrationRunner().latestVersion >= 2)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        var recorded: [(Int, String)] = []
        try inventory.database.prepare("SELECT version, checksum FROM schema_migration ORDER BY version").query {
            recorded.append(($0.int(0), $0.string(1)))
        }
        #expect(recorded.map(\.0) == EmbeddedMigrations.all.map(\.version))
        #expect(recorded.map(\.1) == EmbeddedMigrations.all.map { MigrationRunner.checksum($0.sql) })
    }

    /// Two commands started at once on a new state dir both migrate: each
    /// migration must still run once, and neither may fail.
    @Test func commandsOpeningANewInventoryAtOnceMigrateItOnce() throws {
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var items: [String] = []
            func add(_ text: String) { lock.withLock { items.append(text) } }
        }
        for round in 0..<5 {  // a race: several fresh inventories make it show reliably
            let failures = Failures()
            let path = temp.url.appendingPathComponent("race-\(round).sqlite").path
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { _ = try Inventory(path: path) } catch { failures.add("\(error)") }
            }
            #expect(failures.items.isEmpty, "\(failures.items)")
            let inventory = try Inventory(path: path)
            var versions: [Int] = []
            try inventory.database.prepare("SELECT version FROM schema_migration ORDER BY version").query { versions.append($0.int(0)) }
            #expect(versions == EmbeddedMigrations.all.map(\.version))
        }
    }

    @Test func anOlderDatabaseIsUpgradedInPlaceKeepingItsData() throws {
        let first = try #require(EmbeddedMigrations.all.first)
        do {
            let old = try Inventory(path: path, migrations: MigrationRunner(migrations: [first]))
            #expect(try old.schemaVersion() == first.version)
            try old.database.execute("""
                INSERT INTO certificate (fingerprint_sha256, subject, issuer, serial, not_before, not_after, key_algorithm,
                    signature_algorithm, is_ca, self_signed, spki_sha256, der, first_seen, last_seen)
                VALUES ('ab', 'CN=x', 'CN=x', '01', 0, 1, 'EC', 'ecdsa-with-SHA256', 0, 1, 'cd', x'3000', 0, 0)
                """)
        }
        let upgraded = try Inventory(path: path)
        #expect(try upgraded.schemaVersion() == MigrationRunner().latestVersion)
        #expect(try upgraded.database.prepare("SELECT count(*) FROM certificate").scalarInt() == 1)
        #expect(try upgraded.database.prepare("SELECT count(*) FROM scan").scalarInt() == 0)
    }

    @Test func aDatabaseFromANewerClmIsRefusedAndLeftUntouched() throws {
        do {
            let inventory = try Inventory(path: path)
            try inventory.database.execute("INSERT INTO schema_migration VALUES (9999, 'future', 'x', 0)")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect {
            _ = try Inventory(path: path)
        } throws: { error in
            guard case InventoryError.schemaTooNew(_, 9999, let binary) = error else { return false }
            return binary == MigrationRunner().latestVersion && "\(error)".contains("upgrade clm")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func anEditedShippedMigrationIsDetected() throws {
        _ = try Inventory(path: path)
        var edited = EmbeddedMigrations.all
        edited[0] = EmbeddedMigration(version: edited[0].version, name: edited[0].name, sql: edited[0].sql + "\n-- edited")
        #expect {
            _ = try Inventory(path: path, migrations: MigrationRunner(migrations: edited))
        } throws: { error in
            guard case InventoryError.migrationChanged(_, let version, _) = error else { return false }
            return version == edited[0].version
        }
    }

    @Test func aFailingMigrationIsRolledBackWhole() throws {
        let broken = EmbeddedMigrations.all + [EmbeddedMigration(version: 9000, name: "broken",
                                                                  sql: "CREATE TABLE half_done (x); INSERT INTO nowhere VALUES (1);")]
        #expect(throws: InventoryError.self) { _ = try Inventory(path: path, migrations: MigrationRunner(migrations: broken)) }
        let inventory = try Inventory(path: path)
        #expect(try inventory.database.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").scalarInt() == 0)
        #expect(try inventory.schemaVersion() == MigrationRunner().latestVersion)
    }

    @Test func migration16MovesTheDomainsJSONIntoRows() throws {
        let before = EmbeddedMigrations.all.filter { $0.version < 16 }
        do {
            let old = try Inventory(path: path, migrations: MigrationRunner(migrations: before))
            try old.database.execute("""
                INSERT INTO managed_certificate (name, domains, key_type, issuance_hash, fingerprint_sha256, not_before, not_after, updated_at)
                VALUES ('www', '["www.example.test","example.test"]', 'ec256', 'h', 'f1', 0, 100, 1),
                       ('broken', 'not json', 'ec256', 'h', 'f2', 0, 100, 1)
                """)
        }
        let upgraded = try Inventory(path: path)
        let rows = try upgraded.deploys.managedCertificates()
        #expect(rows["www"]?.domains == ["www.example.test", "example.test"])
        #expect(rows["www"]?.fingerprintSHA256 == "f1")
        #expect(rows["broken"]?.domains == [])
        // The names follow their row (the reference survived the rebuild).
        try upgraded.database.execute("DELETE FROM managed_certificate WHERE name = 'www'")
        #expect(try upgraded.database.prepare("SELECT count(*) FROM managed_certificate_domain").scalarInt() == 0)
        #expect(try upgraded.database.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'managed_certificate_not_after'").scalarInt() == 1)
    }
}

@Suite struct StateDirectoryTests {
    @Test func clmHomeWinsThenRootThenXDG() {
        #expect(StateDirectoryResolution.resolve(["CLM_HOME": "/x"], root: true) == "/x")
        #expect(StateDirectoryResolution.resolve([:], root: true) == "/var/lib/clm")
        #expect(StateDirectoryResolution.resolve(["XDG_DATA_HOME": "/d", "HOME": "/h"], root: false) == "/d/clm")
        #expect(StateDirectoryResolution.resolve(["HOME": "/h"], root: false) == "/h/.local/share/clm")
    }

    @Test func theStateDirectoryIsCreatedPrivate() throws {
        let temp = try TemporaryDirectory(prefix: "clm-state")
        let state = StateDirectoryResolution.make(temp.url.appendingPathComponent("a/b").path)
        try state.create()
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: state.path)[.posixPermissions] as? Int)
        #expect(mode == 0o700)
    }

}
