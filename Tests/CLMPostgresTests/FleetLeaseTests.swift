import Foundation
import Testing
@testable import CLMInventory
import CLMPostgres
import CLMTestSupport

/// Results gathered from concurrent workers.
private final class Collected<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
}

@Suite("Shared inventory on PostgreSQL: migrations and renewal leases", .serialized, .timeLimit(.minutes(5)))
struct FleetLeaseTests {
    let server: LocalPostgres
    let url: PostgresURL

    init() throws {
        server = try LocalPostgres.start()
        url = try #require(PostgresURL(server.url()))
    }

    @Test("hosts migrating at once apply each migration once; a rerun applies nothing; edited or newer schemas are refused")
    func migrations() throws {
        let url = self.url
        let ran = Collected<[Int]>()
        let failures = Collected<String>()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            do { ran.append(try PostgresMigrationRunner().migrate(PostgresConnection(url: url))) } catch { failures.append("\(error)") }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        let latest = PostgresMigrationRunner().latestVersion
        #expect(latest >= 1)
        #expect(ran.all.flatMap { $0 }.sorted() == Array(1...latest), "\(ran.all)")

        let db = try PostgresConnection(url: url)
        #expect(try PostgresMigrationRunner().migrate(db).isEmpty)
        let edited = EmbeddedMigrations.postgresql.map { EmbeddedMigration(version: $0.version, name: $0.name, sql: $0.sql + "\n-- edited") }
        do { try PostgresMigrationRunner(migrations: edited).migrate(db); Issue.record("an edited migration was accepted") } catch {
            guard case .migrationChanged = error else { Issue.record("got \(error)"); return }
            #expect(!error.description.contains(server.password))
        }
        let newer = EmbeddedMigrations.postgresql + [EmbeddedMigration(version: 9_999, name: "future", sql: "SELECT 1")]
        try PostgresMigrationRunner(migrations: newer).migrate(db)
        do { try PostgresMigrationRunner().migrate(db); Issue.record("a newer schema was accepted") } catch {
            guard case .schemaTooNew = error else { Issue.record("got \(error)"); return }
            #expect(error.description.contains("postgresql://clm:***@"), "\(error)")
        }
    }

    @Test("20 hosts asking at once: exactly one takes the lease")
    func oneHolder() throws {
        try PostgresMigrationRunner().migrate(PostgresConnection(url: url))
        let url = self.url
        let holders = Collected<String>()
        let failures = Collected<String>()
        DispatchQueue.concurrentPerform(iterations: 20) { index in
            do {
                let leases = RenewalLeases(try PostgresConnection(url: url))
                if let lease = try leases.acquire("shared.example.test", holder: "host-\(index)", seconds: 300) { holders.append(lease.holder) }
            } catch { failures.append("\(error)") }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(holders.all.count == 1, "\(holders.all)")
        let current = try RenewalLeases(PostgresConnection(url: url)).current("shared.example.test")
        #expect(current?.holder == holders.all.first)
        #expect(current?.token == 1)
    }

    @Test("an expired lease passes to another host with a larger token; the old holder can neither extend nor commit")
    func fencing() throws {
        try PostgresMigrationRunner().migrate(PostgresConnection(url: url))
        let a = RenewalLeases(try PostgresConnection(url: url))
        let b = RenewalLeases(try PostgresConnection(url: url))
        // 4 s leases: long enough to outlast the next calls on a loaded machine.
        let first = try #require(try a.acquire("www.example.test", holder: "host-a", seconds: 4))
        #expect(try b.acquire("www.example.test", holder: "host-b", seconds: 300) == nil)
        // The holder asking again keeps it (a new token: a restarted process of the same host is fenced too).
        let again = try #require(try a.acquire("www.example.test", holder: "host-a", seconds: 4))
        #expect(again.token == first.token + 1)
        #expect(try a.extend(first, seconds: 4) == nil, "a superseded token must not extend")
        // Host A stalls past its lease; host B takes over.
        Thread.sleep(forTimeInterval: 4.5)
        let second = try #require(try b.acquire("www.example.test", holder: "host-b", seconds: 300))
        #expect(second.token > again.token)
        #expect(try a.extend(again, seconds: 300) == nil)

        let writer = try PostgresConnection(url: url)
        try writer.execute("CREATE TABLE committed (holder text)")
        #expect(throws: RenewalLeases.Failure.self) {
            try a.commit(again) { db in try db.execute("INSERT INTO committed VALUES ('host-a')") }
        }
        try b.commit(second) { db in try db.execute("INSERT INTO committed VALUES ('host-b')") }
        let rows = try writer.execute("SELECT holder FROM committed")
        #expect(rows.rows == [["host-b"]])
        let extended = try #require(try b.extend(second, seconds: 600))
        #expect(extended.expiresAt > second.expiresAt)
        try b.release(extended)
        // Released: expired at once, but kept, so the next holder's token is larger still.
        let released = try #require(try b.current("www.example.test"))
        #expect(released.expiresAt <= Date())
        let next = try #require(try a.acquire("www.example.test", holder: "host-a", seconds: 60))
        #expect(next.token > second.token)
    }
}
