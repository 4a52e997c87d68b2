public import CLMCore
public import CLMRequest
public import CLMInventory
internal import CLMCrypto
internal import CLMDiscover
internal import Foundation

/// `clm request`: orders certificates now into the state dir, outside the config.
public struct Requester: Sendable {
    /// One requested certificate, for `--format json`.
    public struct Result: Encodable, Sendable {
        public let name: String
        public let issued: Bool
        public let notAfter: String?
        public let serial: String?
        public let fingerprintSHA256: String?
        public let directory: String?
        public let error: String?

        enum CodingKeys: String, CodingKey {
            case name, issued, serial, directory, error
            case notAfter = "not_after"
            case fingerprintSHA256 = "fingerprint_sha256"
        }
    }

    public let client: ACMEClient
    public let store: RequestStore
    /// The command's one inventory connection: ACME records, then the issued files.
    public let inventory: InventoryConnection
    public let log: Log

    public init(client: ACMEClient, store: RequestStore, inventory: InventoryConnection, log: Log) {
        self.client = client
        self.store = store
        self.inventory = inventory
        self.log = log
    }

    /// Orders every certificate (`reuseKeys`: each keeps its stored key), at
    /// most `concurrency` at a time, and adds the issued ones to the inventory,
    /// located in the state dir. Per-certificate failures are in the results.
    public func request(_ orders: [Order], reuseKeys: Bool, concurrency: Int) async throws(LifecycleError) -> [Result] {
        var orders = orders
        if reuseKeys {
            for index in orders.indices {
                let name = orders[index].name
                do { orders[index].reuseKey = try PrivateKey(contentsOf: store.paths(for: name).key) } catch {
                    throw .notConfigured("--reuse-key: \(name) has no readable key yet (\(error))")
                }
            }
        }
        let recorder: InventoryACMERecorder
        do { recorder = try await InventoryACMERecorder(connection: inventory) } catch {
            throw .failed("cannot open the inventory: \(error)")
        }
        let account = try await checkedAccount(recorder: recorder)
        let log = self.log
        let batch = IssuanceBatch(client: client, account: account, recorder: recorder, store: store, current: store, log: { log.info($0) })
        let results = await batch.obtain(orders, concurrency: concurrency)
        await recordIssued(results.compactMap { try? $0.get() })
        return zip(orders, results).map { order, result in
            switch result {
            case .success(let issued):
                return Result(name: issued.name, issued: true, notAfter: RFC3339.format(issued.certificate.notAfter), serial: issued.certificate.serialHex,
                              fingerprintSHA256: issued.certificate.sha256Hex, directory: store.certificateDirectory(issued.name), error: nil)
            case .failure(let error):
                return Result(name: order.name, issued: false, notAfter: nil, serial: nil, fingerprintSHA256: nil, directory: nil, error: error.description)
            }
        }
    }

    /// The stored account, checked with the CA; one the CA forgot (a restarted
    /// test CA) is registered again once with the stored contact.
    func checkedAccount(recorder: InventoryACMERecorder) async throws(LifecycleError) -> AccountCredentials {
        do {
            let contact = (try? store.loadAccount(directoryURL: client.directoryURL))?.stored.contact ?? []
            let checked = try await AccountManager(client: client, state: store, recorder: recorder).loadChecked(reregisterWith: contact)
            if checked.reregistered { log.warning("\(client.directoryURL) no longer knew the stored account (accountDoesNotExist); registered a new one") }
            return checked.credentials
        } catch {
            throw .failed(error.description)
        }
    }

    /// Issued certificates join the inventory like any other (with their keys), located in the state dir.
    func recordIssued(_ issued: [IssuanceResult]) async {
        guard !issued.isEmpty else { return }
        let directories = issued.map { store.certificateDirectory($0.name) }
        do { try await inventory.run { _ = try FileScanner(inventory: $0).scan(roots: directories) } } catch {
            log.warning("issued certificates were not added to the inventory: \(error)")
        }
    }
}
