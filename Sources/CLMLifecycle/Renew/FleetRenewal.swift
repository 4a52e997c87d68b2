internal import Foundation
internal import CLMCore
internal import CLMCrypto
internal import CLMInventory
internal import CLMRequest
internal import CLMDeploy

/// Renewing together on a shared inventory (docs/fleet.md): a name several
/// hosts manage is ordered by the one host holding its renewal lease; the
/// others take the certificate it publishes (its key sealed under the fleet
/// key) and deploy it with their own hooks, verification and rollback.
extension Renewer {
    /// Before ordering: each certificate takes a newer published certificate
    /// of its name if the fleet has one, else (when due) takes the name's
    /// lease, else waits for the holder's certificate, up to `lease_wait`.
    func coordinateFleet(_ pass: inout RenewPass, options: Options) async {
        guard inventory.location.isShared, !options.dryRun, !options.deployOnly else { return }
        let settings = config.inventory ?? InventorySettings()
        let fleetKey: Result<FleetKey, FleetKeyError>? = fleetKeyPath.map { path in Result { () throws(FleetKeyError) in try FleetKey.load(path: path) } }
        // A fleet key that cannot be read would fail the publish after the CA issued: fail first, order nothing.
        if case .failure(let error)? = fleetKey {
            for index in pass.renewing { pass.outcomes[index].error = "fleet key: \(error) (nothing was ordered)" }
            return
        }
        if fleetKey == nil, !pass.renewing.isEmpty {
            log("no fleet key (`inventory: fleet_key:` or CLM_FLEET_KEY): certificates this host orders are published without their key, so other hosts managing the same names cannot deploy them")
        }
        for index in pass.selected.indices where !pass.outcomes[index].failed {
            await coordinate(index, &pass, options: options, settings: settings, fleetKey: fleetKey)
        }
    }

    private func coordinate(_ index: Int, _ pass: inout RenewPass, options: Options, settings: InventorySettings,
                            fleetKey: Result<FleetKey, FleetKeyError>?) async {
        let certificate = pass.selected[index]
        let name = certificate.name
        let deadline = now().addingTimeInterval(TimeInterval(settings.leaseWaitSeconds))
        var announced = false
        while true {
            do {
                if let published = try await inventory.run({ try $0.fleet?.latestPublished(name) }),
                   usable(published, for: certificate, current: pass.rows[name]?.fingerprintSHA256 ?? store.currentCertificate(name: name)?.sha256Hex,
                          options: options) {
                    try await take(published, index: index, &pass, fleetKey: fleetKey)
                    return
                }
                guard pass.plan[index].action == .renew else { return }
                if let lease = try await inventory.run({ try $0.fleet?.acquire(name, seconds: settings.leaseSeconds) }) {
                    pass.leases[index] = lease
                    log("\(name): holding the fleet's renewal lease (token \(lease.token)); ordering here")
                    return
                }
                let holder = try await inventory.run { try $0.fleet?.holder(of: name) }
                if now() >= deadline {
                    pass.outcomes[index].error = "host \(holder?.holder ?? "?") holds the fleet's renewal lease of \(name) and published nothing within \(settings.leaseWaitSeconds) s; not ordered here (a later run takes its certificate)"
                    return
                }
                if !announced {
                    log("\(name): host \(holder?.holder ?? "?") is ordering it for the fleet; waiting for its certificate")
                    announced = true
                }
                try await Task.sleep(for: .milliseconds(500))
            } catch {
                pass.outcomes[index].error = "fleet: \(error)"
                return
            }
        }
    }

    /// A published certificate this host should deploy: a different one from
    /// its own, for the same names, and not itself due for renewal.
    private func usable(_ published: PublishedCertificate, for certificate: ManagedCertificate, current: String?, options: Options) -> Bool {
        guard published.fingerprint != current else { return false }
        let names = Set(published.identifiers.map { $0.value.lowercased() })
        guard names == Set(certificate.domains.map { $0.lowercased() }) else { return false }
        let notAfter = Date(timeIntervalSince1970: TimeInterval(published.notAfter))
        if let mine = store.currentCertificate(name: certificate.name), mine.notAfter > notAfter { return false }
        // `--force` renews once across the fleet: a certificate another host just published counts as fresh.
        let policy = DuePolicy(dueSeconds: options.due.dueSeconds, force: false)
        let reason = policy.decide(issued: true, configChanged: false, notBefore: Date(timeIntervalSince1970: TimeInterval(published.notBefore)),
                                        notAfter: notAfter, ariRenewAt: nil, now: now())
        return !reason.isDue
    }

    /// Stores a certificate another host published, opening its key with the fleet key.
    private func take(_ published: PublishedCertificate, index: Int, _ pass: inout RenewPass, fleetKey: Result<FleetKey, FleetKeyError>?) async throws {
        let name = published.name
        // From here this certificate acts (and a failure to take it shows as its failure).
        if pass.plan[index].action != .renew {
            pass.plan[index] = PlanItem(name: name, action: .renew, reason: "the fleet has a newer certificate (ordered by host \(published.host))",
                                        notAfter: pass.plan[index].notAfter)
            pass.outcomes[index].action = .renew
        }
        guard let sealed = published.sealedKey else {
            throw FleetFailure("\(name): host \(published.host) ordered it without a fleet key, so its private key is not in the shared inventory; this host cannot deploy it")
        }
        guard let fleetKey else {
            throw FleetFailure("\(name): host \(published.host) ordered it; this host has no fleet key (`inventory: fleet_key:` or CLM_FLEET_KEY) to open its private key, so it can deploy only certificates whose keys it holds")
        }
        let keyPEM = try fleetKey.get().open(sealed, context: Self.sealContext(name: name, fingerprint: published.fingerprint))
        let key = try PrivateKey(bytes: keyPEM, source: "the shared inventory")
        let chain = CertificateChain(url: "fleet:\(published.host)", pem: published.chainPEM)
        let (certificate, certificates, time) = (pass.selected[index], CertificateStore(stateRoot: stateRoot), now())
        let issued = try await inventory.run { inventory -> IssuedCertificate in
            let issued = try certificates.commit(name: name, key: key, chain: chain, inventory: inventory, now: time)
            guard issued.sha256Hex == published.fingerprint else {
                throw FleetFailure("\(name): the published chain's leaf is not the published certificate; not stored")
            }
            try inventory.deploys.recordManagedCertificate(CertificateStore.row(certificate, issued, now: time))
            return issued
        }
        pass.fromFleet[index] = published.host
        pass.outcomes[index].issuedFingerprint = issued.sha256Hex
        pass.outcomes[index].notAfter = issued.notAfter
        pass.outcomes[index].notes.append("taken from the shared inventory: ordered by host \(published.host)")
        log("\(name): took the certificate host \(published.host) ordered for the fleet")
    }

    /// Keeps the held leases alive while orders run; returns the task to cancel.
    func extendLeases(_ pass: RenewPass) -> Task<Void, Never>? {
        let leases = Array(pass.leases.values)
        guard !leases.isEmpty else { return nil }
        let seconds = (config.inventory ?? InventorySettings()).leaseSeconds
        let (inventory, log) = (self.inventory, self.log)
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(seconds / 3, 1)))
                if Task.isCancelled { return }
                for lease in leases {
                    let kept = try? await inventory.run { try $0.fleet?.extend(lease, seconds: seconds) }
                    if kept == nil { log("\(lease.name): the renewal lease was lost while ordering; the certificate will not be published") }
                }
            }
        }
    }

    /// Publishes a certificate this host ordered under `lease`, its key sealed
    /// under the fleet key; throws when the lease was lost meanwhile.
    func publish(_ issued: IssuanceResult, name: String, lease: RenewalLeases.Lease) async throws {
        var sealed: [UInt8]?
        if let path = fleetKeyPath {
            let key = try FleetKey.load(path: path)
            guard let pem = FileManager.default.contents(atPath: CertificateStore(stateRoot: stateRoot).paths(name).key) else {
                throw FleetFailure("\(name): cannot read the new private key to seal it")
            }
            sealed = try key.seal(Array(pem), context: Self.sealContext(name: name, fingerprint: issued.certificate.sha256Hex))
        }
        let fingerprint = issued.certificate.sha256Hex
        let seal = sealed
        try await inventory.run { try $0.fleet?.publish(fingerprint: fingerprint, sealedKey: seal, under: lease) }
    }

    func releaseLeases(_ pass: RenewPass) async {
        for lease in pass.leases.values {
            _ = try? await inventory.run { try $0.fleet?.release(lease) }
        }
    }

    /// The authenticated data of a sealed key: it opens only for this name and certificate.
    static func sealContext(name: String, fingerprint: String) -> String { "clm-fleet-key|\(name)|\(fingerprint)" }
}

/// A fleet step that cannot go on, said in words for the outcome.
struct FleetFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
