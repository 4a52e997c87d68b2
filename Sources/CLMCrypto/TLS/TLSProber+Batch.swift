internal import CLMCore

/// One endpoint's probe outcome in a batch.
public struct TLSProbeOutcome: Sendable {
    public let target: TLSTarget
    public let result: Result<TLSProbeResult, TLSProbeError>

    public init(target: TLSTarget, result: Result<TLSProbeResult, TLSProbeError>) {
        self.target = target
        self.result = result
    }
}

extension TLSProber {
    /// Probes one endpoint on a dedicated thread.
    public func probe(_ target: TLSTarget) async -> Result<TLSProbeResult, TLSProbeError> {
        await Blocking.run("clm-probe") { self.probeBlocking(target) }
    }

    /// Probes many endpoints, at most `concurrency` at a time, each on a
    /// dedicated thread. Host names are resolved once per batch. A silent
    /// endpoint only occupies its own thread until its timeout.
    ///
    /// - Returns: one outcome per target, in the order given.
    public func probe(_ targets: [TLSTarget], concurrency: Int = 64) async -> [TLSProbeOutcome] {
        var unique: [String] = []
        var seen: Set<String> = []
        for target in targets where seen.insert(target.host).inserted { unique.append(target.host) }
        let hosts = unique
        let lookups = await Blocking.map(count: hosts.count, threads: concurrency, name: "clm-probe", stackSize: 512 * 1024) { i in
            // Port 0 here; the probe fills in each target's port below.
            HostResolver.resolve(host: hosts[i], port: 0)
        }
        let byHost = Dictionary(uniqueKeysWithValues: zip(hosts, lookups))
        return await Blocking.map(count: targets.count, threads: concurrency, name: "clm-probe", stackSize: 512 * 1024) { i in
            let target = targets[i]
            let resolved = (byHost[target.host] ?? .failure(ResolveFailure(reason: "not resolved")))
                .map { $0.map { $0.with(port: target.port) } }
            return TLSProbeOutcome(target: target, result: self.probeBlocking(target, resolved: resolved))
        }
    }
}
