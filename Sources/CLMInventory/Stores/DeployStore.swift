internal import CLMSQLite
internal import Foundation

/// A certificate under management, as the deploy stage last left it.
public struct ManagedCertificateRow: Sendable, Hashable, Codable {
    public var name: String
    public var domains: [String]
    public var keyType: String
    public var issuanceHash: String
    public var fingerprintSHA256: String
    public var notBefore: Int64
    public var notAfter: Int64
    public var ariCertID: String?
    public var deployHash: String?
    public var deployedFingerprint: String?
    public var updatedAt: Int64

    public init(name: String, domains: [String], keyType: String, issuanceHash: String, fingerprintSHA256: String, notBefore: Int64,
                notAfter: Int64, ariCertID: String?, deployHash: String?, deployedFingerprint: String?, updatedAt: Int64) {
        self.name = name
        self.domains = domains
        self.keyType = keyType
        self.issuanceHash = issuanceHash
        self.fingerprintSHA256 = fingerprintSHA256
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.ariCertID = ariCertID
        self.deployHash = deployHash
        self.deployedFingerprint = deployedFingerprint
        self.updatedAt = updatedAt
    }
}

/// One deploy or rollback of one target.
public struct DeployRunRow: Sendable, Hashable, Codable {
    public var id: Int64?
    public var certificateName: String
    public var target: String
    public var action: String
    public var outcome: String
    public var previousFingerprint: String?
    public var newFingerprint: String?
    public var version: String?
    public var message: String?
    public var startedAt: Int64
    public var finishedAt: Int64

    public init(certificateName: String, target: String, action: String, outcome: String, previousFingerprint: String?,
                newFingerprint: String?, version: String?, message: String?, startedAt: Int64, finishedAt: Int64) {
        self.certificateName = certificateName
        self.target = target
        self.action = action
        self.outcome = outcome
        self.previousFingerprint = previousFingerprint
        self.newFingerprint = newFingerprint
        self.version = version
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// One hook run.
public struct HookRunRow: Sendable, Hashable, Codable {
    public var certificateName: String?
    public var phase: String
    public var argv: [String]
    public var status: Int32?
    public var timedOut: Bool
    public var seconds: Double
    public var output: String
    public var ranAt: Int64

    public init(certificateName: String?, phase: String, argv: [String], status: Int32?, timedOut: Bool, seconds: Double,
                output: String, ranAt: Int64) {
        self.certificateName = certificateName
        self.phase = phase
        self.argv = argv
        self.status = status
        self.timedOut = timedOut
        self.seconds = seconds
        self.output = output
        self.ranAt = ranAt
    }
}

extension SQLDeployStore {
    /// Every managed certificate row, by name.
    func managedCertificates() throws(InventoryError) -> [String: ManagedCertificateRow] {
        try read {
            var rows: [String: ManagedCertificateRow] = [:]
            try database.prepare("""
                SELECT name, key_type, issuance_hash, fingerprint_sha256, not_before, not_after, ari_cert_id,
                       deploy_hash, deployed_fingerprint, updated_at FROM managed_certificate
                """).query { row in
                let managed = ManagedCertificateRow(
                    name: row.string(0), domains: [], keyType: row.string(1), issuanceHash: row.string(2),
                    fingerprintSHA256: row.string(3), notBefore: row.int64(4), notAfter: row.int64(5), ariCertID: row.text(6),
                    deployHash: row.text(7), deployedFingerprint: row.text(8), updatedAt: row.int64(9))
                rows[managed.name] = managed
            }
            try database.prepare("SELECT name, domain FROM managed_certificate_domain ORDER BY name, position").query { row in
                rows[row.string(0)]?.domains.append(row.string(1))
            }
            return rows
        }
    }

    /// Records a newly issued (or first seen) certificate of a managed name.
    func recordManagedCertificate(_ row: ManagedCertificateRow) throws(InventoryError) {
        try upsertManaged(row, replacingDomains: true, onConflict: """
            key_type = excluded.key_type, issuance_hash = excluded.issuance_hash,
            fingerprint_sha256 = excluded.fingerprint_sha256, not_before = excluded.not_before, not_after = excluded.not_after,
            ari_cert_id = excluded.ari_cert_id, updated_at = excluded.updated_at
            """)
    }

    /// Marks what was deployed successfully for `row.name` (its `deployHash`
    /// and `deployedFingerprint`); a name with no row yet (adopted, or issued
    /// by `clm request`) gets one.
    func recordManagedDeploy(_ row: ManagedCertificateRow) throws(InventoryError) {
        try upsertManaged(row, replacingDomains: false, onConflict: "deploy_hash = excluded.deploy_hash, deployed_fingerprint = excluded.deployed_fingerprint, updated_at = excluded.updated_at")
    }

    /// Inserts the row or updates `assignments`; the names are written for a
    /// new row, and replaced on an existing one when `replacingDomains`.
    private func upsertManaged(_ row: ManagedCertificateRow, replacingDomains: Bool, onConflict assignments: String) throws(InventoryError) {
        try write {
            let existing = try database.cached("SELECT 1 FROM managed_certificate WHERE name = ?").scalarInt([row.name]) != nil
            try database.cached("""
                INSERT INTO managed_certificate (name, key_type, issuance_hash, fingerprint_sha256, not_before, not_after,
                    ari_cert_id, deploy_hash, deployed_fingerprint, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET \(assignments)
                """).run([row.name, row.keyType, row.issuanceHash, row.fingerprintSHA256, row.notBefore, row.notAfter,
                          row.ariCertID, row.deployHash, row.deployedFingerprint, row.updatedAt])
            guard !existing || replacingDomains else { return }
            try database.cached("DELETE FROM managed_certificate_domain WHERE name = ?").run([row.name])
            for (position, domain) in row.domains.enumerated() {
                try database.cached("INSERT INTO managed_certificate_domain (name, position, domain) VALUES (?, ?, ?)")
                    .run([row.name, position, domain])
            }
        }
    }

    func recordDeployRun(_ row: DeployRunRow) throws(InventoryError) {
        try write {
            try database.cached("""
                INSERT INTO deploy_run (certificate_name, target, action, outcome, previous_fingerprint, new_fingerprint, version, message,
                    started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([row.certificateName, row.target, row.action, row.outcome, row.previousFingerprint, row.newFingerprint, row.version,
                          row.message, row.startedAt, row.finishedAt])
        }
    }

    func recordHookRun(_ row: HookRunRow) throws(InventoryError) {
        try write {
            try database.cached("""
                INSERT INTO hook_run (certificate_name, phase, argv, status, timed_out, seconds, output, ran_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).run([row.certificateName, row.phase, try JSONColumn.text(row.argv), row.status, row.timedOut, row.seconds, row.output, row.ranAt])
        }
    }

    /// Deploy history, newest first (all names when nil).
    func deployRuns(certificateName: String?, limit: Int) throws(InventoryError) -> [DeployRunRow] {
        try read {
            var rows: [DeployRunRow] = []
            try database.cached("""
                SELECT id, certificate_name, target, action, outcome, previous_fingerprint, new_fingerprint, version, message, started_at, finished_at
                FROM deploy_run WHERE ?1 IS NULL OR certificate_name = ?1 ORDER BY id DESC LIMIT ?2
                """).query([certificateName, limit]) { row in
                var run = DeployRunRow(certificateName: row.string(1), target: row.string(2), action: row.string(3), outcome: row.string(4),
                                       previousFingerprint: row.text(5), newFingerprint: row.text(6), version: row.text(7), message: row.text(8),
                                       startedAt: row.int64(9), finishedAt: row.int64(10))
                run.id = row.int64(0)
                rows.append(run)
            }
            return rows
        }
    }
}
