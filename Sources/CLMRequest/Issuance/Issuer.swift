public import Foundation
public import CLMCrypto
public import CLMCore
public import CLMInventory

/// One certificate to obtain.
public struct CertificateRequest: Sendable, Hashable {
    /// The managed certificate's name (directory name under the state dir).
    public var name: String
    public var identifiers: [ACME.Identifier]
    public var keyType: KeyType
    /// Reuse this key instead of generating a new one.
    public var reuseKey: PrivateKey?
    /// Issuer CN of the chain to prefer among the CA's alternates.
    public var preferredChain: String?
    /// RFC 9773 certID of the certificate this one replaces.
    public var replaces: String?

    public init(name: String, identifiers: [ACME.Identifier], keyType: KeyType = .ecP256, reuseKey: PrivateKey? = nil,
                preferredChain: String? = nil, replaces: String? = nil) {
        self.name = name
        self.identifiers = identifiers
        self.keyType = keyType
        self.reuseKey = reuseKey
        self.preferredChain = preferredChain
        self.replaces = replaces
    }

    public static func == (a: CertificateRequest, b: CertificateRequest) -> Bool {
        a.name == b.name && a.identifiers == b.identifiers && a.keyType == b.keyType && a.preferredChain == b.preferredChain && a.replaces == b.replaces
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(identifiers)
    }
}

/// A certificate obtained.
public struct IssuanceResult: Sendable {
    public let name: String
    /// - Warning: the certificate's private key.
    public let key: PrivateKey
    public let chain: CertificateChain
    public let certificate: IssuedCertificate
    public let orderURL: String
    /// Alternate chain URLs the CA offered.
    public let alternates: [String]
    /// Where the set was written, when a state dir was given.
    public let paths: RequestStore.CertificatePaths?
    /// True when an order left open by an earlier run was completed.
    public let resumed: Bool
}

/// Failures of the obtain flow, naming the certificate and the step.
public enum IssuanceError: Error, Sendable, CustomStringConvertible {
    case acme(name: String, ACMEError)
    case solver(name: String, identifier: ACME.Identifier, challenge: String, step: String, underlying: String)
    case key(name: String, KeyError)
    case state(name: String, String)

    public var description: String {
        switch self {
        case .acme(let name, let error): return "certificate '\(name)': \(error)"
        case .solver(let name, let identifier, let challenge, let step, let underlying):
            return "certificate '\(name)': \(challenge) \(step) for \(identifier) failed: \(underlying)"
        case .key(let name, let error): return "certificate '\(name)': \(error)"
        case .state(let name, let what): return "certificate '\(name)': \(what)"
        }
    }

    /// The ACME error, when the CA was involved.
    public var acmeError: ACMEError? {
        if case .acme(_, let error) = self { return error }
        return nil
    }
}

/// The obtain flow (porcelain over ``ACMEClient``): order, authorize with a
/// solver, finalize with a CSR, download, store and record.
public struct Issuer: Sendable {
    public let client: ACMEClient
    public let account: AccountCredentials
    public let solver: any ChallengeSolver
    public let recorder: (any ACMERecording)?
    public let state: RequestStore?
    public let log: @Sendable (String) -> Void
    public let now: @Sendable () -> Date

    public init(client: ACMEClient, account: AccountCredentials, solver: any ChallengeSolver, recorder: (any ACMERecording)? = nil,
                state: RequestStore? = nil, log: @escaping @Sendable (String) -> Void = Issuer.standardErrorLog,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.account = account
        self.solver = solver
        self.recorder = recorder
        self.state = state
        self.log = log
        self.now = now
    }

    public static let standardErrorLog: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data(("clm: " + message + "\n").utf8))
    }

    /// Obtains several certificates, at most `concurrency` orders at a time.
    /// Results come back in the order of `requests`.
    public func obtainAll(_ requests: [CertificateRequest], concurrency: Int = 8) async -> [Result<IssuanceResult, IssuanceError>] {
        await Self.obtainAll(requests.map { (issuer: self, request: $0) }, concurrency: concurrency)
    }

    /// Runs each job's issuer on its request, at most `concurrency` orders at a time.
    /// Results come back in the order of `jobs`. The one bounded issuance loop: `clm request`
    /// and `clm renew` both go through it.
    public static func obtainAll(_ jobs: [(issuer: Issuer, request: CertificateRequest)],
                                 concurrency: Int = 8) async -> [Result<IssuanceResult, IssuanceError>] {
        var results = [Result<IssuanceResult, IssuanceError>?](repeating: nil, count: jobs.count)
        await withTaskGroup(of: (Int, Result<IssuanceResult, IssuanceError>).self) { group in
            var next = 0
            func add() {
                let index = next
                let job = jobs[index]
                next += 1
                group.addTask {
                    // Swift 6.3.1 -O miscompiles `do { return (index, .success(try await f())) } catch
                    // { return (index, .failure(error)) }` in an async closure: the captured `index`
                    // comes back as another task's value (Tests/Regressions/AsyncTupleMiscompile.swift).
                    // So the outcome is computed by a plain method first and the tuple is built after.
                    let outcome = await job.issuer.outcome(of: job.request)
                    return (index, outcome)
                }
            }
            while next < jobs.count && next < max(1, concurrency) { add() }
            while let (index, result) = await group.next() {
                results[index] = result
                if next < jobs.count { add() }
            }
        }
        return zip(results, jobs).map { result, job in result ?? .failure(.state(name: job.request.name, "not run")) }
    }

    /// `obtain` with its outcome as a value, for task groups.
    public func outcome(of request: CertificateRequest) async -> Result<IssuanceResult, IssuanceError> {
        do { return .success(try await obtain(request)) } catch { return .failure(error) }
    }

    /// Obtains one certificate, resuming an open order for the same name and
    /// identifiers if the recorder knows one.
    public func obtain(_ request: CertificateRequest) async throws(IssuanceError) -> IssuanceResult {
        var flight = try await open(request)
        try await complete(&flight, request: request)
        let (certificateURL, chain, alternates) = try await download(flight, request: request)
        guard let leafDER = chain.certificates.first else {
            throw .acme(name: request.name, .unexpectedResponse(url: certificateURL, status: 200, why: "empty chain"))
        }
        let certificate: IssuedCertificate
        do { certificate = try IssuedCertificate(der: leafDER) } catch { throw .key(name: request.name, error) }
        let paths = try store(flight, chain: chain, request: request)
        await recordIssued(flight, certificateURL: certificateURL, chain: chain, certificate: certificate, paths: paths, request: request)
        await record(request.name, flight.url, request.identifiers, .completed, paths?.key)
        return IssuanceResult(name: request.name, key: flight.key, chain: chain, certificate: certificate, orderURL: flight.url,
                              alternates: alternates, paths: paths, resumed: flight.resumed)
    }

    /// An order in flight: placed now, or left open by an earlier run.
    struct OrderInFlight {
        var order: ACME.Order
        let url: String
        let key: PrivateKey
        let keyPath: String?
        let resumed: Bool
    }

    /// Runs an ACME call, naming the certificate in its error.
    func acme<T>(_ name: String, _ body: () async throws(ACMEError) -> T) async throws(IssuanceError) -> T {
        do { return try await body() } catch { throw .acme(name: name, error) }
    }

    /// Resumes the open order the recorder knows, or places a new one (its key stored as pending.key).
    func open(_ request: CertificateRequest) async throws(IssuanceError) -> OrderInFlight {
        let name = request.name
        if let recorder, let open = try? await recorder.openOrder(certificateName: name, directoryURL: client.directoryURL),
           let (order, url, key, keyPath) = await resume(open, request: request) {
            log("\(name): resuming order \(url) (status \(order.status.rawValue))")
            return OrderInFlight(order: order, url: url, key: key, keyPath: keyPath, resumed: true)
        }
        let key: PrivateKey
        if let reuse = request.reuseKey {
            key = reuse
        } else {
            do { key = try await Self.generateKey(request.keyType) } catch { throw .key(name: name, error) }
        }
        let (order, orderURL) = try await acme(name) { () async throws(ACMEError) in
            try await client.newOrder(account, identifiers: request.identifiers, replaces: request.replaces)
        }
        var keyPath: String?
        if let state {
            do { keyPath = try state.writePendingKey(key, name: name) } catch { throw .state(name: name, "cannot store the pending key: \(error)") }
        }
        await record(name, orderURL, request.identifiers, OrderRecord.State(rawValue: order.status.rawValue) ?? .pending, keyPath)
        return OrderInFlight(order: order, url: orderURL, key: key, keyPath: keyPath, resumed: false)
    }

    /// Authorizes, finalizes and waits until the order is valid. An order the
    /// CA refused (or whose challenge could not be answered) is recorded invalid and its pending key removed.
    func complete(_ flight: inout OrderInFlight, request: CertificateRequest) async throws(IssuanceError) {
        let name = request.name
        do throws(IssuanceError) {
            if flight.order.status == .pending {
                try await authorize(flight.order, name: name)
                flight.order = try await acme(name) { () async throws(ACMEError) in try await client.pollOrder(account, url: flight.url, until: .ready) }
            }
            if flight.order.status == .ready {
                let csr: [UInt8]
                do {
                    let dns = flight.order.identifiers.filter { $0.type == "dns" }.map(\.value)
                    let ips = flight.order.identifiers.filter { $0.type == "ip" }.map(\.value)
                    csr = try CertificateSigningRequest(dnsNames: dns, ipAddresses: ips).derEncoded(signedWith: flight.key)
                } catch {
                    throw IssuanceError.key(name: name, error)
                }
                let order = flight.order
                flight.order = try await acme(name) { () async throws(ACMEError) in try await client.finalize(account, order: order, csrDER: csr) }
                await record(name, flight.url, request.identifiers, .processing, flight.keyPath)
            }
            if flight.order.status != .valid {
                flight.order = try await acme(name) { () async throws(ACMEError) in try await client.pollOrder(account, url: flight.url, until: .valid) }
            }
        } catch {
            let invalid = error.acmeError.map { if case .orderFailed = $0 { return true } else if case .authorizationFailed = $0 { return true } else { return false } } ?? false
            if invalid || error.isSolverError {
                await record(name, flight.url, request.identifiers, .invalid, flight.keyPath, note: String(error.description.prefix(500)))
                if let keyPath = flight.keyPath { unlink(keyPath) }
            }
            throw error
        }
    }

    /// Downloads the valid order's certificate, the preferred chain when the CA offers it.
    func download(_ flight: OrderInFlight, request: CertificateRequest) async throws(IssuanceError)
        -> (url: String, chain: CertificateChain, alternates: [String]) {
        let name = request.name
        guard let certificateURL = flight.order.certificate else {
            throw .acme(name: name, .unexpectedResponse(url: flight.url, status: 200, why: "order is valid but has no certificate URL"))
        }
        let (chain, alternates) = try await acme(name) { () async throws(ACMEError) in
            try await client.downloadCertificate(account, url: certificateURL, preferredIssuer: request.preferredChain)
        }
        if let preferred = request.preferredChain, !chain.issuerCommonNames.contains(preferred) {
            log("\(name): no chain from issuer '\(preferred)' offered; using the default chain (top issuer \(chain.topIssuerCommonName ?? "?"))")
        }
        return (certificateURL, chain, alternates)
    }

    /// Stores the issued set in the state dir, when there is one.
    func store(_ flight: OrderInFlight, chain: CertificateChain, request: CertificateRequest) throws(IssuanceError) -> RequestStore.CertificatePaths? {
        guard let state else { return nil }
        do { return try state.storeIssued(name: request.name, key: flight.key, chain: chain) } catch {
            throw .state(name: request.name, "certificate issued but not stored under \(state.root): \(error); the order stays open and the next run resumes it")
        }
    }

    /// Tells the recorder what was issued (a failure is logged, the certificate is kept).
    func recordIssued(_ flight: OrderInFlight, certificateURL: String, chain: CertificateChain, certificate: IssuedCertificate,
                      paths: RequestStore.CertificatePaths?, request: CertificateRequest) async {
        guard let recorder else { return }
        let issued = IssuedRecord(certificateName: request.name, directoryURL: client.directoryURL, orderURL: flight.url, certificateURL: certificateURL,
                                  identifiers: flight.order.identifiers, sha256Hex: certificate.sha256Hex, spkiSHA256Hex: certificate.spkiSHA256Hex,
                                  serialHex: certificate.serialHex, issuerCommonName: certificate.issuerCommonName,
                                  notBefore: certificate.notBefore, notAfter: certificate.notAfter,
                                  ariCertID: RenewalInfoID.certID(for: certificate), certificatePath: paths?.certificate,
                                  keyPath: paths?.key, chainPEM: chain.pem)
        do { try await recorder.recordIssued(issued) } catch { log("\(request.name): recording the issued certificate failed: \(error)") }
    }

    /// Decides whether an open order from an earlier run can be continued.
    private func resume(_ open: OrderRecord, request: CertificateRequest) async -> (ACME.Order, String, PrivateKey, String?)? {
        func abandon(_ why: String) async -> (ACME.Order, String, PrivateKey, String?)? {
            log("\(request.name): abandoning order \(open.orderURL) from an earlier run: \(why)")
            var updated = open
            updated.state = .abandoned
            updated.updatedAt = now()
            updated.note = why
            try? await recorder?.recordOrder(updated)
            if let path = open.keyPath { unlink(path) }
            return nil
        }
        guard Set(open.identifiers) == Set(request.identifiers) else { return await abandon("the names changed") }
        guard let path = open.keyPath, let key = try? PrivateKey(contentsOf: path) else { return await abandon("its key is gone") }
        let fetched: ACME.Order
        do { fetched = try await client.order(account, url: open.orderURL) } catch { return await abandon("the CA no longer returns it (\(error))") }
        switch fetched.status {
        case .pending, .ready, .processing, .valid: return (fetched, open.orderURL, key, path)
        case .invalid: return await abandon("the CA marked it invalid")
        }
    }

    private func record(_ name: String, _ url: String, _ identifiers: [ACME.Identifier], _ state: OrderRecord.State, _ keyPath: String?,
                        note: String? = nil) async {
        guard let recorder else { return }
        let record = OrderRecord(certificateName: name, directoryURL: client.directoryURL, orderURL: url, identifiers: identifiers,
                                 state: state, keyPath: keyPath, updatedAt: now(), note: note)
        do { try await recorder.recordOrder(record) } catch { log("\(name): recording order state failed: \(error)") }
    }

    /// Generates a key; RSA generation takes up to seconds of CPU, so it runs
    /// on its own thread rather than holding a cooperative-pool thread.
    static func generateKey(_ type: KeyType) async throws(KeyError) -> PrivateKey {
        if type.isEC { return try PrivateKey.generate(type) }
        return try await Blocking.run("clm-keygen") { () throws(KeyError) -> PrivateKey in try PrivateKey.generate(type) }
    }
}

extension IssuanceError {
    var isSolverError: Bool { if case .solver = self { return true } else { return false } }
}
