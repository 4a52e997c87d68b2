internal import Foundation
internal import CLMPostgres

/// A certificate another host of the fleet ordered and published: what a
/// host needs to deploy it without ordering (its key still sealed).
public struct PublishedCertificate: Sendable, Hashable {
    public let name: String
    public let fingerprint: String
    public let identifiers: [ACMEIdentifier]
    public let chainPEM: String
    public let notBefore: Int64
    public let notAfter: Int64
    /// The private key under the fleet key (``CLMCrypto/FleetKey``); nil when the ordering host had no fleet key.
    public let sealedKey: [UInt8]?
    /// The host that ordered it.
    public let host: String
}

/// Fleet-wide renewal on the shared inventory (docs/fleet.md): the renewal
/// lease of a certificate name, and its certificates published under it.
/// Only a shared inventory has one (``Inventory/fleet``).
public struct FleetStore {
    let inventory: Inventory
    let database: PostgresSQLDatabase

    private var leases: RenewalLeases { RenewalLeases(database.connection) }

    /// Takes `name`'s lease for this host, or nil while another host holds a live one.
    public func acquire(_ name: String, seconds: Int) throws(InventoryError) -> RenewalLeases.Lease? {
        do { return try leases.acquire(name, holder: inventory.hostID, seconds: seconds) } catch { throw Self.wrap(error) }
    }

    /// Pushes the lease's expiry; nil when it was lost.
    public func extend(_ lease: RenewalLeases.Lease, seconds: Int) throws(InventoryError) -> RenewalLeases.Lease? {
        do { return try leases.extend(lease, seconds: seconds) } catch { throw Self.wrap(error) }
    }

    public func release(_ lease: RenewalLeases.Lease) throws(InventoryError) {
        do { try leases.release(lease) } catch { throw Self.wrap(error) }
    }

    /// Who holds `name`'s lease now (live or expired).
    public func holder(of name: String) throws(InventoryError) -> RenewalLeases.Lease? {
        do { return try leases.current(name) } catch { throw Self.wrap(error) }
    }

    /// Publishes the certificate `fingerprint` this host ordered for `lease.name`,
    /// with its sealed key, in one transaction that first checks the lease is
    /// still ours: a holder that lost its lease publishes nothing.
    public func publish(fingerprint: String, sealedKey: [UInt8]?, under lease: RenewalLeases.Lease) throws(InventoryError) {
        do {
            try leases.commit(lease) { connection in
                let rows = try connection.execute("""
                    UPDATE acme_issued SET sealed_key = $1, published_token = $2, published_at = now(), host_id = $3
                    WHERE id = (SELECT id FROM acme_issued WHERE certificate_name = $4 AND fingerprint_sha256 = $5
                                ORDER BY issued_at DESC, id DESC LIMIT 1)
                    """, [sealedKey.map { .bytes($0) } ?? .null, .int(lease.token), .text(inventory.hostID), .text(lease.name), .text(fingerprint)])
                guard rows.affected == 1 else {
                    throw InventoryError.fleet("\(lease.name): the issued certificate \(fingerprint.prefix(16))… is not in the shared inventory; nothing was published")
                }
            }
        } catch let error as RenewalLeases.Failure {
            throw Self.wrap(error)
        } catch {
            throw .wrap(error, path: inventory.path)
        }
    }

    /// The newest published certificate of `name`, if any host published one.
    public func latestPublished(_ name: String) throws(InventoryError) -> PublishedCertificate? {
        do {
            let rows = try database.connection.execute("""
                SELECT fingerprint_sha256, identifiers, chain_pem, not_before, not_after, sealed_key, host_id
                FROM acme_issued WHERE certificate_name = $1 AND published_token IS NOT NULL
                ORDER BY published_at DESC, id DESC LIMIT 1
                """, [.text(name)])
            guard rows.count == 1, let fingerprint = rows.string(0, "fingerprint_sha256") else { return nil }
            let identifiers = (try? JSONColumn.decode([ACMEIdentifier].self, rows.string(0, "identifiers") ?? "[]")) ?? []
            return PublishedCertificate(name: name, fingerprint: fingerprint, identifiers: identifiers, chainPEM: rows.string(0, "chain_pem") ?? "",
                                        notBefore: rows.int(0, "not_before") ?? 0, notAfter: rows.int(0, "not_after") ?? 0,
                                        sealedKey: rows.bytes(0, "sealed_key"), host: rows.string(0, "host_id") ?? "?")
        } catch {
            throw .wrap(error, path: inventory.path)
        }
    }

    private static func wrap(_ error: RenewalLeases.Failure) -> InventoryError {
        switch error {
        case .database(let failure): return .postgres(failure)
        case .lost: return .fleet(error.description)
        }
    }
}

extension Inventory {
    /// Fleet-wide renewal: only on a shared inventory.
    public var fleet: FleetStore? {
        guard case .postgres(let database) = backend else { return nil }
        return FleetStore(inventory: self, database: database)
    }
}
