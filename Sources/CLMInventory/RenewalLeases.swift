public import Foundation
public import CLMPostgres

/// Fleet-wide renewal leases on the shared inventory: a certificate name
/// several hosts manage is ordered by exactly one of them, the holder of its
/// lease (docs/fleet.md).
///
/// - Taking a lease is one conditional upsert: it succeeds when nobody holds
///   the name, the lease has expired, or the caller already holds it.
/// - Every new holder gets a larger fencing token. ``commit(_:_:)`` runs its
///   writes in a transaction that first locks the lease row and checks the
///   token and the expiry, so a holder that lost its lease (paused, cut off,
///   killed and restarted) can never commit a certificate over the new one.
/// - The holder extends the lease while the order runs.
public struct RenewalLeases {
    public struct Lease: Sendable, Hashable {
        public let name: String
        public let holder: String
        public let token: Int64
        public let expiresAt: Date
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The lease was taken over (or expired) before the commit.
        case lost(name: String, holder: String, token: Int64)
        case database(PostgresError)

        public var description: String {
            switch self {
            case let .lost(name, holder, token):
                return "the renewal lease for \(name) held by \(holder) (token \(token)) was lost before the commit: another host renews it; nothing was written"
            case let .database(error): return "renewal lease: \(error)"
            }
        }
    }

    let database: PostgresConnection

    public init(_ database: PostgresConnection) { self.database = database }

    /// Takes the lease on `name` for `seconds`, or returns nil while another
    /// host holds a live one.
    public func acquire(_ name: String, holder: String, seconds: Int) throws(Failure) -> Lease? {
        let rows = try run("""
            INSERT INTO renewal_lease AS lease (name, holder, token, acquired_at, expires_at)
            VALUES ($1, $2, 1, now(), now() + $3 * interval '1 second')
            ON CONFLICT (name) DO UPDATE
                SET holder = EXCLUDED.holder, token = lease.token + 1,
                    acquired_at = now(), expires_at = EXCLUDED.expires_at
                WHERE lease.expires_at < now() OR lease.holder = EXCLUDED.holder
            RETURNING token, extract(epoch FROM expires_at)::float8 AS expires
            """, [.text(name), .text(holder), .int(Int64(seconds))])
        return lease(rows, name: name, holder: holder)
    }

    /// Pushes the expiry of a held lease; nil when it is no longer ours.
    public func extend(_ lease: Lease, seconds: Int) throws(Failure) -> Lease? {
        let rows = try run("""
            UPDATE renewal_lease SET expires_at = now() + $4 * interval '1 second'
            WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at >= now()
            RETURNING token, extract(epoch FROM expires_at)::float8 AS expires
            """, [.text(lease.name), .text(lease.holder), .int(lease.token), .int(Int64(seconds))])
        return self.lease(rows, name: lease.name, holder: lease.holder)
    }

    /// Gives the lease up early (the order is done or failed). The row stays,
    /// expired, so the next holder's token is still larger than every earlier one.
    public func release(_ lease: Lease) throws(Failure) {
        try run("UPDATE renewal_lease SET expires_at = now() - interval '1 second' WHERE name = $1 AND holder = $2 AND token = $3",
                [.text(lease.name), .text(lease.holder), .int(lease.token)])
    }

    /// Runs `writes` in one transaction, only while `lease` is still held:
    /// the lease row is locked and its token and expiry checked first.
    @discardableResult
    public func commit<T>(_ lease: Lease, _ writes: (PostgresConnection) throws -> T) throws -> T {
        try database.transaction {
            let rows = try database.execute("""
                SELECT 1 FROM renewal_lease
                WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at >= now()
                FOR UPDATE
                """, [.text(lease.name), .text(lease.holder), .int(lease.token)])
            guard rows.count == 1 else { throw Failure.lost(name: lease.name, holder: lease.holder, token: lease.token) }
            return try writes(database)
        }
    }

    /// The current holder of `name`'s lease, live or not.
    public func current(_ name: String) throws(Failure) -> Lease? {
        let rows = try run("SELECT holder, token, extract(epoch FROM expires_at)::float8 AS expires FROM renewal_lease WHERE name = $1",
                           [.text(name)])
        guard rows.count == 1, let holder = rows.string(0, "holder") else { return nil }
        return lease(rows, name: name, holder: holder)
    }

    @discardableResult
    private func run(_ sql: String, _ parameters: [PostgresValue]) throws(Failure) -> PostgresRows {
        do { return try database.execute(sql, parameters) } catch { throw .database(error) }
    }

    private func lease(_ rows: PostgresRows, name: String, holder: String) -> Lease? {
        guard rows.count == 1, let token = rows.int(0, "token"), let expires = rows.string(0, "expires").flatMap(Double.init) else { return nil }
        return Lease(name: name, holder: holder, token: token, expiresAt: Date(timeIntervalSince1970: expires))
    }
}
