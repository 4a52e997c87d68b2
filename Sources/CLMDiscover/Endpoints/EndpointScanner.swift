public import CLMCrypto
public import CLMInventory
public import Foundation

/// `clm scan --endpoint/--targets`: probes TLS endpoints (bounded
/// concurrency, each on a dedicated thread) and records what each one sent
/// in the inventory.
public struct EndpointScanner: Sendable {
    public struct Options: Sendable {
        public var probe: TLSProbeOptions
        public var concurrency: Int

        public init(probe: TLSProbeOptions = TLSProbeOptions(timeout: 10, probeVersions: true), concurrency: Int = 16) {
            self.probe = probe
            self.concurrency = concurrency
        }
    }

    /// One endpoint's outcome as recorded.
    public struct Outcome: Sendable {
        public let record: EndpointRecord
        public let newCertificates: Int
    }

    public let options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Probes every target (off the cooperative pool) and returns records
    /// ready for ``record(_:in:now:)``.
    public func probe(_ targets: [TLSTarget]) async throws(OpenSSLError) -> [(EndpointRecord, [CertificateFacts])] {
        let prober = try TLSProber(options: options.probe)
        let outcomes = await prober.probe(targets, concurrency: max(1, options.concurrency))
        return outcomes.map(Self.record(for:))
    }

    /// Writes probe records into the inventory.
    public func record(_ records: [(EndpointRecord, [CertificateFacts])], in inventory: Inventory, now: Date) throws(InventoryError) -> [Outcome] {
        var outcomes: [Outcome] = []
        for (record, facts) in records {
            let known = try Set(inventory.scans.knownFingerprints(facts.map(\.fingerprintSHA256)))
            let fresh = facts.filter { !known.contains($0.fingerprintSHA256) }
            try inventory.scans.recordEndpoint(record, newCertificates: fresh, scanID: nil, now: now)
            outcomes.append(Outcome(record: record, newCertificates: fresh.count))
        }
        return outcomes
    }

    /// The inventory's view of one probe outcome.
    static func record(for outcome: TLSProbeOutcome) -> (EndpointRecord, [CertificateFacts]) {
        let target = outcome.target
        var record = EndpointRecord(host: target.host, port: Int(target.port), sni: target.serverName ?? "",
                                    starttls: target.starttls.rawValue)
        switch outcome.result {
        case .failure(let error):
            record.errorCode = Diagnoser.connectionFailure(target, error, now: Date()).findings.first?.code.rawValue ?? "connect.failed"
            record.error = error.description
            return (record, [])
        case .success(let result):
            record.address = result.address
            record.protocolVersion = result.protocolVersion
            record.cipher = result.cipher
            record.clientCertificate = result.clientCertificate.rawValue
            record.clientCANames = result.acceptableClientCANames
            record.ocspStapled = result.ocspStapled
            record.tlsVersions = result.supportedVersions?.map(\.rawValue)
            record.verifyCode = result.verification.code
            record.verifyMessage = result.verification.text
            var facts: [CertificateFacts] = []
            for der in result.peerChain {
                if let info = try? CertificateInfo(der: der) {
                    facts.append(CertificateFacts(info))
                }
            }
            record.chainFingerprints = facts.map(\.fingerprintSHA256)
            if let leaf = facts.first {
                let names = leaf.subjectAlternativeNames.filter { $0.kind == .dns || $0.kind == .ip }.map(\.value)
                record.hostnameMatches = HostnameMatcher.covers(names.isEmpty ? [leaf.subjectCN].compactMap { $0 } : names,
                                                                host: target.verificationName)
            }
            return (record, facts)
        }
    }
}
