internal import CLMSQLite
public import Foundation
public import CLMCore

// The inventory split by owner: each stage reads and writes its own tables
// through one store, and no caller passes SQL in. Each protocol is the
// interface a second backend (the shared PostgreSQL inventory) implements;
// the `SQL*Store` types implement them once, for both engines (`SQL/`).
// docs/architecture.md ("Inventory stores") lists the tables each one owns.

/// Scans: what `clm scan` finds in files, configs and on endpoints, and the
/// certificate reads of `clm inventory`.
public protocol ScanStore {
    /// Starts recording one file scan of `roots` (one at a time per inventory).
    func beginScan(roots: [String], now: Date) throws(InventoryError) -> any ScanSession
    /// A reader that answers "which fingerprints are known?" while a scan writes.
    func fingerprintReader() throws(InventoryError) -> any FingerprintReader
    /// Fingerprints (of `candidates`) the inventory already holds.
    func knownFingerprints(_ candidates: [String]) throws(InventoryError) -> [String]
    func recordEndpoint(_ record: EndpointRecord, newCertificates: [CertificateFacts], scanID: Int64?, now: Date) throws(InventoryError)
    func endpoints() throws(InventoryError) -> [StoredEndpoint]
    func recordSites(_ sites: [SiteRecord], configFiles: [String], now: Date) throws(InventoryError)
    func sites() throws(InventoryError) -> [SiteRecord]
    /// The roots of the most recent scan (for `clm audit --rescan`).
    func lastScanRoots() throws(InventoryError) -> [String]
    func listCertificates(notAfterBefore: Int64?, includeGone: Bool) throws(InventoryError) -> [InventoryCertificate]
    func certificate(matching key: String) throws(InventoryError) -> InventoryCertificate
    func privateKeys(spkiSHA256: String) throws(InventoryError) -> [PrivateKeyFacts]
}

/// One file scan being recorded: per file, its certificates, keys and
/// problems; at the end, which locations under the roots have gone.
public protocol ScanSession: AnyObject {
    /// What the inventory remembers of files under the scan's roots.
    func knownFiles() throws(InventoryError) -> [ExactPath: ScanRecorder.KnownFile]
    /// A file that was read: its certificates (in file order; `facts` nil when
    /// the inventory already holds that fingerprint), keys and problem.
    /// `recordedBefore`: the inventory held a file state for this path (from
    /// ``knownFiles()``), so it may hold locations there that are gone now.
    func recordFile(_ file: FileSnapshot, certificates: [(fingerprint: String, facts: CertificateFacts?)],
                    keys: [PrivateKeyFacts], warning: String?, recordedBefore: Bool) throws(InventoryError)
    func recordUnchanged(_ known: ScanRecorder.KnownFile) throws(InventoryError)
    func recordSkipped(path: String, reason: String) throws(InventoryError)
    /// Files from ``knownFiles()`` the walk did not reach (they have gone).
    func recordVanished(_ paths: [String])
    func recordNote(ref: String, reason: String)
    func recordWarning(ref: String, reason: String)
    func recordUnreadableDirectory(path: String, reason: String)
    /// Ends an interrupted scan: what was written stays, nothing is marked gone.
    func abandon(at end: Date)
    func finish(at end: Date) throws(InventoryError) -> ScanRecorder.Summary
}

/// Answers which fingerprints the inventory holds; sees committed data only.
public protocol FingerprintReader {
    func known(_ candidates: [String]) throws(InventoryError) -> Set<String>
}

extension ScanStore {
    /// Every certificate by notAfter; those whose every location is gone only when `includeGone`.
    public func listCertificates(includeGone: Bool = false) throws(InventoryError) -> [InventoryCertificate] {
        try listCertificates(notAfterBefore: nil, includeGone: includeGone)
    }
}

/// Issuance: ACME accounts, orders (so an interrupted order resumes) and
/// issued certificates, written by the request stage.
public protocol IssuanceStore {
    func recordAccount(_ account: AccountRecord, now: Date) throws(InventoryError)
    /// The newest order of `certificateName` at `directoryURL` that is still open.
    func openOrder(certificateName: String, directoryURL: String) throws(InventoryError) -> OrderRecord?
    /// Inserts or updates (by `orderURL`).
    func recordOrder(_ order: OrderRecord) throws(InventoryError)
    func recordIssued(_ certificate: IssuedRecord, issuedAt: Date) throws(InventoryError)
    /// The newest issued certificate of `certificateName`.
    func latestIssued(certificateName: String) throws(InventoryError) -> IssuedRecord?
}

/// Managed certificates and deploys: what `renew` keeps fresh, what was
/// deployed where, hook runs, renewal outcomes and notification state.
public protocol DeployStore {
    /// Every managed certificate row, by name.
    func managedCertificates() throws(InventoryError) -> [String: ManagedCertificateRow]
    /// Records a newly issued (or first seen) certificate of a managed name.
    func recordManagedCertificate(_ row: ManagedCertificateRow) throws(InventoryError)
    /// Marks what was deployed successfully for `row.name`, adding the row if there is none.
    func recordManagedDeploy(_ row: ManagedCertificateRow) throws(InventoryError)
    /// Each file of `files` now holds exactly its certificates (leaf first).
    func recordFiles(_ files: [(path: String, certificates: [CertificateFacts])], now: Date) throws(InventoryError)
    func recordKeyFiles(_ keys: [PrivateKeyFacts], now: Date) throws(InventoryError)
    func recordDeployRun(_ row: DeployRunRow) throws(InventoryError)
    func deployRuns(certificateName: String?, limit: Int) throws(InventoryError) -> [DeployRunRow]
    func recordHookRun(_ row: HookRunRow) throws(InventoryError)
    func recordRenewalRun(name: String, action: String, failed: Bool, message: String?, at time: Date) throws(InventoryError)
    func notificationStates() throws(InventoryError) -> [String: NotificationState]
    func saveNotificationState(_ state: NotificationState, at time: Date) throws(InventoryError)
}

extension DeployStore {
    /// Deploy history, newest first (all names when nil).
    public func deployRuns(certificateName: String? = nil) throws(InventoryError) -> [DeployRunRow] {
        try deployRuns(certificateName: certificateName, limit: 100)
    }
}

/// The audit's rule queries (each one filters inside the backend and streams
/// matching rows) and its run history.
public protocol AuditStore {
    func certificates(_ condition: Inventory.AuditCertificateCondition, roles: Set<Inventory.AuditRole>,
                      _ body: (Inventory.AuditCertificateRow) throws -> Void) throws(InventoryError)
    func certificatesLastSeen(before: Int64, notExpiredAt now: Int64, roles: Set<Inventory.AuditRole>,
                              _ body: (Inventory.AuditCertificateRow) throws -> Void) throws(InventoryError)
    func keyReuse(notExpiredAt now: Int64, roles: Set<Inventory.AuditRole>,
                  _ body: (Inventory.AuditKeyReuse) throws -> Void) throws(InventoryError)
    func staleCopies(_ body: (Inventory.AuditStaleCopy) throws -> Void) throws(InventoryError)
    func endpoints(_ condition: Inventory.AuditEndpointCondition, _ body: (Inventory.AuditEndpointRow) throws -> Void) throws(InventoryError)
    func privateKeys(modeBits: UInt32, _ body: (Inventory.AuditKeyRow) throws -> Void) throws(InventoryError)
    /// Replaces the tags of the certificate with `fingerprint` (policy scopes match them).
    func setTags(_ tags: [String], fingerprint: String) throws(InventoryError)
    func recordRun(policy: String, counts: [String: Int], at time: Date) throws(InventoryError)
}

/// Reads for `clm metrics` and `clm report`: aggregates over every stage's
/// tables, never writes.
public protocol MetricsStore {
    /// Streams every present location with its certificate's fields, ordered by location.
    func forEachPresentLocation(_ body: (CertificateLocationRow) throws -> Void) throws(InventoryError)
    /// Every present certificate with its present locations.
    func certificatesWithLocations() throws(InventoryError) -> [InventoryCertificate]
    /// The role of every certificate, by inventory id.
    func certificateRoles() throws(InventoryError) -> [Int64: Inventory.AuditRole]
    func filesWithReadProblems() throws(InventoryError) -> Int
    func scanSources() throws(InventoryError) -> [ScanSource]
    func freshness() throws(InventoryError) -> InventoryFreshness
    /// Renewal, deploy and audit counters for clm's own series.
    func activity() throws(InventoryError) -> InventoryActivity
}

extension Inventory {
    // `sql` is the connection of either engine; passing it to a generic
    // function opens it, so each store is built for the concrete engine.
    public var scans: any ScanStore { scanStore(sql) }
    public var issuance: any IssuanceStore { issuanceStore(sql) }
    public var deploys: any DeployStore { deployStore(sql) }
    public var audit: any AuditStore { auditStore(sql) }
    public var metrics: any MetricsStore { metricsStore(sql) }

    private func scanStore<D: SQLDatabase>(_ database: D) -> any ScanStore { SQLScanStore(inventory: self, database: database) }
    private func issuanceStore<D: SQLDatabase>(_ database: D) -> any IssuanceStore { SQLIssuanceStore(inventory: self, database: database) }
    private func deployStore<D: SQLDatabase>(_ database: D) -> any DeployStore { SQLDeployStore(inventory: self, database: database) }
    private func auditStore<D: SQLDatabase>(_ database: D) -> any AuditStore { SQLAuditStore(inventory: self, database: database) }
    private func metricsStore<D: SQLDatabase>(_ database: D) -> any MetricsStore { SQLMetricsStore(inventory: self, database: database) }
}

/// What every store shares: the inventory, its connection (either engine:
/// the stores are written once, against ``SQLDatabase``) and the
/// error-mapping transaction helpers.
protocol SQLStore {
    associatedtype Database: SQLDatabase
    var inventory: Inventory { get }
    var database: Database { get }
}

extension SQLStore {
    var dialect: SQLDialect { database.dialect }
    func read<T>(_ body: () throws -> T) throws(InventoryError) -> T { try inventory.read(body) }
    func write<T>(_ body: () throws -> T) throws(InventoryError) -> T {
        do { return try database.transaction(body) } catch { throw .wrap(error, path: inventory.path) }
    }
    /// A certificate `c`'s role as SQL (see ``Inventory/AuditRole``).
    var roleExpression: String { inventory.roleExpression }
    /// True on a whole-fleet read of a shared inventory: every host's rows,
    /// each location carrying the `host_id` of the fleet views.
    var readsWholeFleet: Bool { inventory.isShared && inventory.scopeHost == nil }
    /// The host of a location row `alias` as SQL: its `host_id` on a
    /// whole-fleet read, else NULL (one host's rows are that host's).
    func locationHost(_ alias: String = "") -> String { readsWholeFleet ? alias + "host_id" : "NULL" }
}

struct SQLScanStore<Database: SQLDatabase>: ScanStore, SQLStore {
    let inventory: Inventory
    let database: Database
}
struct SQLIssuanceStore<Database: SQLDatabase>: IssuanceStore, SQLStore {
    let inventory: Inventory
    let database: Database
}
struct SQLDeployStore<Database: SQLDatabase>: DeployStore, SQLStore {
    let inventory: Inventory
    let database: Database
}
struct SQLAuditStore<Database: SQLDatabase>: AuditStore, SQLStore {
    let inventory: Inventory
    let database: Database
}
struct SQLMetricsStore<Database: SQLDatabase>: MetricsStore, SQLStore {
    let inventory: Inventory
    let database: Database
}
