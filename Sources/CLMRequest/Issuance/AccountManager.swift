internal import Foundation
public import CLMCrypto
internal import CLMInventory

/// Account life cycle over the state dir: register (or find), roll the
/// key over, deactivate. The key file is written (0600) before the CA sees
/// it, so a crash never leaves an account whose key is lost.
public struct AccountManager: Sendable {
    public let client: ACMEClient
    public let state: RequestStore
    public let recorder: (any ACMERecording)?

    public init(client: ACMEClient, state: RequestStore, recorder: (any ACMERecording)? = nil) {
        self.client = client
        self.state = state
        self.recorder = recorder
    }

    /// The stored account for this server, or an error telling the operator to register.
    public func load() throws(IssuanceError) -> AccountCredentials {
        let loaded: (credentials: AccountCredentials, stored: RequestStore.StoredAccount)?
        do { loaded = try state.loadAccount(directoryURL: client.directoryURL) } catch {
            throw .state(name: "account", "cannot read the account under \(state.accountDirectory(client.directoryURL)): \(error)")
        }
        guard let loaded else {
            throw .state(name: "account", "no account for \(client.directoryURL) in \(state.root); run `clm account register --server \(client.directoryURL) --email ...` first")
        }
        guard loaded.stored.status == "valid" else {
            throw .state(name: "account", "the account \(loaded.stored.accountURL) is \(loaded.stored.status); register a new one")
        }
        return loaded.credentials
    }

    /// The stored account, checked at the CA. When the CA says it does not
    /// know it (accountDoesNotExist: a restarted test CA, a wiped account)
    /// and `contact` is not empty, registers a new one, once; `reregistered`
    /// says so. Other failures of the check are left to the next request,
    /// which reports them with its own context.
    public func loadChecked(reregisterWith contact: [String], externalAccountBinding: ExternalAccountBinding? = nil,
                            caFile: String? = nil) async throws(IssuanceError) -> (credentials: AccountCredentials, reregistered: Bool) {
        let current = try load()
        do {
            _ = try await client.existingAccount(key: current.key)
            return (current, false)
        } catch {
            guard error.problem?.shortType == "accountDoesNotExist" else { return (current, false) }
            guard !contact.isEmpty else {
                throw .state(name: "account", "\(client.directoryURL) no longer knows the account \(current.url) (accountDoesNotExist); "
                             + "run `clm account register --server \(client.directoryURL) --email ...` again, or give a contact so clm does it")
            }
        }
        let key: PrivateKey
        do { key = try await Issuer.generateKey(.ecP256) } catch { throw .key(name: "account", error) }
        let created: (account: ACME.Account, credentials: AccountCredentials)
        do {
            created = try await client.newAccount(key: key, contact: contact, termsOfServiceAgreed: true, externalAccountBinding: externalAccountBinding)
        } catch { throw .acme(name: "account", error) }
        try await save(created.credentials, contact: contact, status: "valid", caFile: caFile ?? storedCAFile)
        return (created.credentials, true)
    }

    /// Registers a new account (or returns the stored one when it is still valid at the CA).
    /// `caFile` is kept with the account for the commands that come later.
    public func register(contact: [String], agreeToTerms: Bool = true, externalAccountBinding: ExternalAccountBinding? = nil,
                         keyType: KeyType = .ecP256, caFile: String? = nil) async throws(IssuanceError) -> (credentials: AccountCredentials, created: Bool) {
        if let existing = try? state.loadAccount(directoryURL: client.directoryURL), existing.stored.status == "valid" {
            if let found = try? await client.existingAccount(key: existing.credentials.key), found.account.status == .valid {
                if let caFile, caFile != existing.stored.caFile {
                    try await save(found.credentials, contact: existing.stored.contact, status: "valid", caFile: caFile)
                }
                return (found.credentials, false)
            }
        }
        let key: PrivateKey
        do { key = try await Issuer.generateKey(keyType) } catch { throw .key(name: "account", error) }
        let created: (account: ACME.Account, credentials: AccountCredentials)
        do {
            created = try await client.newAccount(key: key, contact: contact, termsOfServiceAgreed: agreeToTerms,
                                                  externalAccountBinding: externalAccountBinding)
        } catch { throw .acme(name: "account", error) }
        try await save(created.credentials, contact: contact, status: "valid", caFile: caFile)
        return (created.credentials, true)
    }

    /// The `--ca-file` stored with this server's account, if any.
    var storedCAFile: String? { (try? state.loadAccount(directoryURL: client.directoryURL))?.stored.caFile }

    /// Replaces the account key (RFC 8555 §7.3.5). The new key is stored only
    /// after the CA accepted it; the old key file is kept as account.key.old.
    public func rollover(keyType: KeyType = .ecP256) async throws(IssuanceError) -> AccountCredentials {
        let current = try load()
        let newKey: PrivateKey
        do { newKey = try await Issuer.generateKey(keyType) } catch { throw .key(name: "account", error) }
        let updated: AccountCredentials
        do { updated = try await client.changeKey(current, to: newKey) } catch { throw .acme(name: "account", error) }
        let directory = state.accountDirectory(client.directoryURL)
        _ = rename(directory + "/account.key", directory + "/account.key.old")
        let stored = (try? state.loadAccount(directoryURL: client.directoryURL))?.stored
        try await save(updated, contact: stored?.contact ?? [], status: "valid", caFile: stored?.caFile)
        return updated
    }

    /// Deactivates the account at the CA and marks it so locally.
    public func deactivate() async throws(IssuanceError) {
        let current = try load()
        do { _ = try await client.deactivate(current) } catch { throw .acme(name: "account", error) }
        let stored = (try? state.loadAccount(directoryURL: client.directoryURL))?.stored
        try await save(current, contact: stored?.contact ?? [], status: "deactivated", caFile: stored?.caFile)
    }

    private func save(_ credentials: AccountCredentials, contact: [String], status: String, caFile: String?) async throws(IssuanceError) {
        let record: AccountRecord
        do { record = try state.saveAccount(credentials, directoryURL: client.directoryURL, contact: contact, status: status, caFile: caFile) } catch {
            throw .state(name: "account", "cannot store the account under \(state.root): \(error)")
        }
        if let recorder {
            do { try await recorder.recordAccount(record) } catch {
                throw .state(name: "account", "cannot record the account: \(error)")
            }
        }
    }
}
