import ArgumentParser
import CLMCore
import CLMCrypto
import CLMHTTP
import CLMRequest
import CLMInventory
import CLMPostgres
import Foundation

/// `clm account register | rollover | deactivate`
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Manage the ACME account (register, key rollover, deactivate).",
        subcommands: [Register.self, Rollover.self, Deactivate.self]
    )
}

/// How to reach the ACME server; shared by account, request and revoke.
struct ACMEServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("ACME directory URL (default: the one account registered in the state dir).", valueName: "url"))
    var server: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("PEM file of CAs to trust for the ACME server instead of the system store.",
                                                            valueName: "file"), completion: .file())
    var caFile: String?

    @Option(name: .long, help: ArgumentHelp("Give up on the CA after this long (e.g. 90s, 5m).", valueName: "duration"))
    var timeout: String = "5m"

    @Option(name: .long, help: "Output format.")
    var format: ResultFormat = .text

    /// The state dir (0700) used for keys and account data.
    func stateDirectory() throws -> RequestStore {
        let state = StateDirectory.current()
        do { try state.create() } catch { throw CommandFailure.state(error) }
        return RequestStore(root: state.path)
    }

    /// The server URL given, or the only one with a stored account.
    func serverURL(in store: RequestStore) throws -> String {
        if let server { return server }
        let accounts = store.listAccounts().filter { $0.status == "valid" }
        guard accounts.count == 1, let only = accounts.first else {
            throw CommandFailure.usage(accounts.isEmpty
                ? "no ACME account in \(store.root): run `clm account register --server URL --email ADDRESS` first"
                : "several accounts in \(store.root) (\(accounts.map(\.directoryURL).joined(separator: ", "))): pass --server")
        }
        return only.directoryURL
    }

    func deadline() throws -> Duration {
        do { return .seconds(try DurationSpec(parsing: timeout).seconds) } catch { throw CommandFailure.usage("--timeout: \(error)") }
    }

    /// `--ca-file` as an absolute path, so it still names the file when kept with the account.
    var absoluteCAFile: String? {
        guard let caFile else { return nil }
        return caFile.hasPrefix("/") ? caFile : FileManager.default.currentDirectoryPath + "/" + caFile
    }

    /// Connects with `--ca-file`, else with the trust settings kept with the account of `url`.
    func connect(_ url: String, connections: Int = 2) async throws -> ACMEClient {
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw CommandFailure.usage("--ca-file \(caFile): not a readable file")
        }
        var caFile = absoluteCAFile
        if caFile == nil, let stored = try? stateDirectory().loadAccount(directoryURL: url)?.stored.caFile {
            guard FileManager.default.isReadableFile(atPath: stored) else {
                throw CommandFailure.usage("the account for \(url) was registered with --ca-file \(stored), which is no longer a readable file; pass --ca-file")
            }
            caFile = stored
        }
        let deadline = try deadline()
        do {
            let http = try HTTPClient(.init(caFile: caFile, connections: connections))
            return try await ACMEClient.connect(directoryURL: url, http: http, polling: PollingPolicy(deadline: deadline))
        } catch {
            throw CommandFailure.failed("\(error)")
        }
    }
}

/// What `clm account ...` did, for `--format json`.
struct AccountResult: Encodable {
    let server: String
    let accountURL: String
    let status: String
    /// register: a new account (false: the stored one was still valid).
    let created: Bool?
    let termsOfService: String?
    let keyType: String?
    let caFile: String?

    enum CodingKeys: String, CodingKey {
        case server, status, created
        case accountURL = "account_url", termsOfService = "terms_of_service", keyType = "key_type", caFile = "ca_file"
    }
}

/// Where the inventory database is, from the shared --db option.
func inventoryPath(_ global: GlobalOptions, store: RequestStore) -> String {
    global.database ?? StateDirectory(path: store.root).inventoryPath
}

/// The inventory of a command that keeps ACME state in `store`: a shared
/// one from --db / CLM_DB, else the SQLite file beside that state.
func inventoryLocation(_ global: GlobalOptions, store: RequestStore) throws -> InventoryTarget {
    if let database = global.database, PostgresURL.isPostgres(database) { return try global.inventoryLocation() }
    var location = try global.inventoryLocation()
    location = InventoryTarget(engine: .sqlite(path: inventoryPath(global, store: store)), hostID: location.hostID)
    return location
}

/// Parses --key (ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096).
func parseKeyType(_ text: String) throws -> KeyType {
    guard let type = KeyType(rawValue: text.lowercased()) else {
        throw ValidationError("unknown key type '\(text)'; use one of \(KeyType.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return type
}

let keyTypeHelp = "Key type: \(KeyType.allCases.map(\.rawValue).joined(separator: ", "))."

extension AccountCommand {
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an ACME account (agreeing to the CA's terms) and store its key in the state dir.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var acme: ACMEServerOptions

        @Option(name: .long, help: ArgumentHelp("Contact e-mail address; repeatable.", valueName: "address"))
        var email: [String] = []

        @Option(name: .customLong("eab-kid"), help: ArgumentHelp("External account binding key ID from the CA.", valueName: "id"))
        var eabKeyID: String?

        @Option(name: .customLong("eab-hmac-key"),
                help: ArgumentHelp("External account binding HMAC key (base64url). Visible in `ps` to every user: prefer --eab-hmac-key-file or CLM_EAB_HMAC_KEY.",
                                   valueName: "b64"))
        var eabHMACKey: String?

        @Option(name: .customLong("eab-hmac-key-file"),
                help: ArgumentHelp("File holding the external account binding HMAC key (base64url).", valueName: "file"), completion: .file())
        var eabHMACKeyFile: String?

        /// The HMAC key from the file, CLM_EAB_HMAC_KEY or the argument
        /// (exactly one), and where it came from for messages.
        func eabKey(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (key: String, source: String)? {
            var sources: [(String, String)] = []
            if let eabHMACKeyFile {
                guard let text = try? String(contentsOfFile: eabHMACKeyFile, encoding: .utf8) else {
                    throw ValidationError("--eab-hmac-key-file \(eabHMACKeyFile): cannot read it")
                }
                sources.append((text.trimmingCharacters(in: .whitespacesAndNewlines), "--eab-hmac-key-file \(eabHMACKeyFile)"))
            }
            if let value = environment["CLM_EAB_HMAC_KEY"], !value.isEmpty { sources.append((value, "CLM_EAB_HMAC_KEY")) }
            if let eabHMACKey { sources.append((eabHMACKey, "--eab-hmac-key")) }
            guard sources.count <= 1 else {
                throw ValidationError("the EAB HMAC key is given twice (\(sources.map(\.1).joined(separator: ", "))): give it once")
            }
            return sources.first.map { (key: $0.0, source: $0.1) }
        }

        @Option(name: .long, help: ArgumentHelp("Account key. " + keyTypeHelp, valueName: "type"), transform: parseKeyType)
        var key: KeyType = .ecP256

        func validate() throws {
            if acme.server == nil { throw ValidationError("--server URL is required to register (the CA's ACME directory URL)") }
            let eabKey = try eabKey()
            if (eabKeyID == nil) != (eabKey == nil) {
                throw ValidationError("--eab-kid and the EAB HMAC key (--eab-hmac-key-file, CLM_EAB_HMAC_KEY or --eab-hmac-key) go together")
            }
            if let eabKey, Base64URL.decode(eabKey.key) == nil { throw ValidationError("\(eabKey.source): the EAB HMAC key is not base64url") }
            for address in email where !address.contains("@") { throw ValidationError("--email \(address) is not an e-mail address") }
        }

        func run() async throws {
            if eabHMACKey != nil {
                Terminal.standardError("clm: warning: --eab-hmac-key shows the key to every user of this machine (ps, /proc); use --eab-hmac-key-file or CLM_EAB_HMAC_KEY\n")
            }
            let store = try acme.stateDirectory()
            let url = try acme.serverURL(in: store)
            let client = try await acme.connect(url)
            let recorder = try await openRecorder(global, store: store)
            var eab: ExternalAccountBinding?
            let eabKey = try eabKey()
            if let eabKeyID, let eabKey { eab = ExternalAccountBinding(keyID: eabKeyID, macKeyBase64: eabKey.key) }
            if client.directory.meta?.externalAccountRequired == true && eab == nil {
                throw CommandFailure.usage("\(url) requires external account binding: pass --eab-kid and --eab-hmac-key-file (or CLM_EAB_HMAC_KEY) from the CA")
            }
            let manager = AccountManager(client: client, state: store, recorder: recorder)
            do {
                let (account, created) = try await manager.register(contact: email.map { "mailto:\($0)" }, externalAccountBinding: eab, keyType: key,
                                                                    caFile: acme.absoluteCAFile)
                if acme.format == .json {
                    try JSONOutput.print(AccountResult(server: url, accountURL: account.url, status: "valid", created: created,
                                                       termsOfService: client.directory.meta?.termsOfService, keyType: created ? key.rawValue : nil,
                                                       caFile: acme.absoluteCAFile))
                } else if !global.quiet {
                    print(created ? "registered account \(account.url)" : "account already registered: \(account.url)")
                    if let terms = client.directory.meta?.termsOfService { print("terms of service agreed: \(terms)") }
                }
            } catch {
                throw CommandFailure.failed("\(error)")
            }
        }
    }

    struct Rollover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the account key at the CA (RFC 8555 key change).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var acme: ACMEServerOptions

        @Option(name: .long, help: ArgumentHelp("New account key. " + keyTypeHelp, valueName: "type"), transform: parseKeyType)
        var key: KeyType = .ecP256

        func run() async throws {
            let store = try acme.stateDirectory()
            let url = try acme.serverURL(in: store)
            let client = try await acme.connect(url)
            let recorder = try await openRecorder(global, store: store)
            do {
                let account = try await AccountManager(client: client, state: store, recorder: recorder).rollover(keyType: key)
                if acme.format == .json {
                    try JSONOutput.print(AccountResult(server: url, accountURL: account.url, status: "valid", created: nil, termsOfService: nil,
                                                       keyType: key.rawValue, caFile: nil))
                } else if !global.quiet {
                    print("account \(account.url) now uses a new \(key) key")
                }
            } catch {
                throw CommandFailure.failed("\(error)")
            }
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deactivate the account at the CA for good.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var acme: ACMEServerOptions

        @Flag(name: .long, help: "Confirm: a deactivated account cannot be used again.")
        var yes = false

        func validate() throws {
            if !yes { throw ValidationError("deactivation cannot be undone; pass --yes to confirm") }
        }

        func run() async throws {
            let store = try acme.stateDirectory()
            let url = try acme.serverURL(in: store)
            let client = try await acme.connect(url)
            let recorder = try await openRecorder(global, store: store)
            do {
                let manager = AccountManager(client: client, state: store, recorder: recorder)
                let accountURL = (try? manager.load())?.url ?? ""
                try await manager.deactivate()
                if acme.format == .json {
                    try JSONOutput.print(AccountResult(server: url, accountURL: accountURL, status: "deactivated", created: nil, termsOfService: nil,
                                                       keyType: nil, caFile: nil))
                } else if !global.quiet {
                    print("account deactivated")
                }
            } catch {
                throw CommandFailure.failed("\(error)")
            }
        }
    }
}

func openRecorder(_ global: GlobalOptions, store: RequestStore, connection: InventoryConnection? = nil) async throws -> InventoryACMERecorder {
    do { return try await InventoryACMERecorder(connection: connection ?? InventoryConnection(location: try inventoryLocation(global, store: store))) } catch {
        throw CommandFailure.failed("cannot open the inventory: \(error)")
    }
}
