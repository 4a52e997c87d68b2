import Foundation
import Testing
import CLMPostgres
import CLMTestSupport

/// libpq through CLMPostgres against a private cluster (LocalPostgres): the
/// wrapper's contract the shared inventory builds on.
@Suite("PostgreSQL connection against a real server", .serialized, .timeLimit(.minutes(5)))
struct PostgresConnectionTests {
    let server: LocalPostgres

    init() throws {
        server = try LocalPostgres.start()
    }

    func connect(_ url: String? = nil, options: PostgresConnection.Options = .init(connectTimeoutSeconds: 5)) throws -> PostgresConnection {
        try PostgresConnection(url: #require(PostgresURL(url ?? server.url())), options: options)
    }

    @Test("parameters travel apart from the SQL: text, unicode, NULL and bytes come back as sent")
    func parametersRoundTrip() throws {
        let db = try connect()
        #expect(db.serverMajorVersion >= 13)
        try db.execute("CREATE TABLE t (name text, note text, blob bytea)")
        let hostile = "x'); DROP TABLE t; --\u{1B}[2J é 日本"
        let bytes: [UInt8] = [0, 1, 0xFF, 0x27, 0x5C, 0x78]
        let inserted = try db.execute("INSERT INTO t VALUES ($1, $2, $3)", [.text(hostile), .null, .bytes(bytes)])
        #expect(inserted.affected == 1)
        let rows = try db.execute("SELECT name, note, blob FROM t")
        #expect(rows.count == 1)
        #expect(rows.string(0, "name") == hostile)
        #expect(rows.string(0, "note") == nil)
        #expect(rows.bytes(0, "blob") == bytes)
    }

    @Test("a transaction that throws is rolled back")
    func transactionRollsBack() throws {
        struct Abort: Error {}
        let db = try connect()
        try db.execute("CREATE TABLE r (n int)")
        #expect(throws: Abort.self) {
            try db.transaction {
                try db.execute("INSERT INTO r VALUES (1)")
                throw Abort()
            }
        }
        #expect(try db.execute("SELECT count(*) AS n FROM r").int(0, "n") == 0)
        try db.transaction { try db.execute("INSERT INTO r VALUES (2)") }
        #expect(try db.execute("SELECT count(*) AS n FROM r").int(0, "n") == 1)
    }

    @Test("a statement error names the SQLSTATE and the SQL, never the parameters")
    func statementError() throws {
        let db = try connect()
        try db.execute("CREATE TABLE u (name text PRIMARY KEY)")
        try db.execute("INSERT INTO u VALUES ($1)", [.text("secret-value-1")])
        do {
            try db.execute("INSERT INTO u VALUES ($1)", [.text("secret-value-1")])
            Issue.record("a duplicate key was accepted")
        } catch {
            #expect(error.isUniqueViolation)
            #expect(error.description.contains("INSERT INTO u"))
            #expect(!error.description.contains("secret-value-1"), "\(error.description)")
        }
    }

    @Test("a wrong password is a connection error with the URL's password redacted")
    func wrongPasswordIsRedacted() throws {
        let wrong = "not-the-password-42"
        do {
            _ = try connect(server.url(password: wrong))
            Issue.record("connected with a wrong password")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(error.isAuthenticationFailure, "\(error)")
            #expect(error.description.contains("postgresql://clm:***@127.0.0.1:\(server.port)/postgres"), "\(error)")
            #expect(!error.description.contains(wrong))
        }
        // A password given apart from the URL (a password file) works and is never printed either.
        let noPassword = "postgresql://clm@127.0.0.1:\(server.port)/postgres"
        let db = try connect(noPassword, options: .init(connectTimeoutSeconds: 5, password: server.password))
        #expect(try db.execute("SELECT 1 AS one").int(0, "one") == 1)
    }

    @Test("nothing listening and a port that never answers both fail with a connection error, bounded by connect_timeout")
    func unreachable() throws {
        let closed = try closedLocalPort()
        #expect(throws: PostgresError.self) { _ = try connect("postgresql://clm:pw@127.0.0.1:\(closed)/postgres") }
        let silent = try SilentServer()
        do {
            _ = try connect("postgresql://clm:pw@127.0.0.1:\(silent.port)/postgres", options: .init(connectTimeoutSeconds: 2))
            Issue.record("connected to a silent port")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(!error.description.contains(":pw@"))
        }
    }

    @Test("an advisory lock is held by one connection at a time")
    func advisoryLock() throws {
        let a = try connect()
        let b = try connect()
        let key: Int64 = 0x636c_6d
        let whileHeld = try a.withAdvisoryLock(key) { () throws -> String? in
            try b.execute("SELECT pg_try_advisory_lock($1) AS got", [.int(key)]).string(0, "got")
        }
        #expect(whileHeld == "f")
        #expect(try b.execute("SELECT pg_try_advisory_lock($1) AS got", [.int(key)]).string(0, "got") == "t")
    }

    @Test("the server stopping under an open connection is reported as a lost connection")
    func serverStops() throws {
        let db = try connect()
        #expect(try db.execute("SELECT 1 AS one").int(0, "one") == 1)
        server.stop()
        do {
            try db.execute("SELECT 1")
            Issue.record("a statement succeeded after the server stopped")
        } catch {
            #expect(error.kind == .connectionLost || error.kind == .statement, "\(error)")
            #expect(error.description.contains("127.0.0.1:\(server.port)"))
        }
    }
}

@Suite("PostgreSQL over TLS with sslmode=verify-full", .timeLimit(.minutes(5)))
struct PostgresTLSTests {
    @Test("verify-full with the right CA file connects over TLS; another CA is refused")
    func verifyFull() throws {
        let ca = try TestCA()
        let leaf = try ca.issue("localhost", sans: ["localhost", "127.0.0.1"], issuer: .root)
        let server = try LocalPostgres.start(tls: (cert: leaf.certPath, key: leaf.keyPath))
        defer { server.stop() }
        let url = server.url(extra: "sslmode=verify-full&sslrootcert=\(ca.root.certPath)")
        let db = try PostgresConnection(url: #require(PostgresURL(url)))
        #expect(try db.execute("SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").string(0, "ssl") == "true")

        let other = try TestCA()
        let wrong = server.url(extra: "sslmode=verify-full&sslrootcert=\(other.root.certPath)")
        do {
            _ = try PostgresConnection(url: #require(PostgresURL(wrong)))
            Issue.record("verify-full accepted a server certificate from another CA")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(error.message.contains("certificate"), "\(error)")
            #expect(!error.description.contains(server.password))
        }
    }
}

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("passwords are redacted in URLs, in password= parameters and inside messages")
    func redaction() {
        #expect(PostgresURL("postgresql://u:s3cret@db:5432/clm")?.redacted == "postgresql://u:***@db:5432/clm")
        #expect(PostgresURL("postgres://u@db/clm?password=s3cret&sslmode=verify-full")?.redacted
                == "postgres://u@db/clm?password=***&sslmode=verify-full")
        #expect(PostgresURL.redact("could not connect to postgresql://u:p@h/d: refused") == "could not connect to postgresql://u:***@h/d: refused")
        #expect(PostgresURL("/var/lib/clm/inventory.sqlite") == nil)
        #expect(PostgresURL.isPostgres("postgresql:///clm?host=/run/postgresql"))
    }
}
