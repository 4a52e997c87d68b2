internal import CLMDeploy
internal import CLMCore

/// `clm hooks list` and `clm hooks test`: every command clm runs for the
/// config's certificates, and a harmless try of one certificate's commands.
public struct HookCatalog: Sendable {
    public let config: ClmConfig

    public init(config: ClmConfig) { self.config = config }

    /// One command clm runs: a hook (pre/deploy/post), a target's check or reload, or a runtime-API swap.
    public struct Entry: Encodable, Sendable {
        public let certificate: String?
        public let phase: String
        public let target: String?
        public let argv: [String]?
        public let socket: String?
        public let verify: String?
        public let environment: [String: String]?
    }

    /// Global hooks first, then each certificate's targets and hooks, in config order.
    public func entries() -> [Entry] {
        var entries = hookEntries(config.hooks, certificate: nil)
        for certificate in config.certificates {
            for target in certificate.targets { entries += targetEntries(target, certificate: certificate.name) }
            entries += hookEntries(certificate.hooks, certificate: certificate.name)
        }
        return entries
    }

    func hookEntries(_ set: HookSet, certificate: String?) -> [Entry] {
        [("pre", set.pre), ("deploy", set.deploy), ("post", set.post)].flatMap { phase, list in
            list.map { Entry(certificate: certificate, phase: phase, target: nil, argv: $0, socket: nil, verify: nil, environment: nil) }
        }
    }

    func targetEntries(_ target: DeployTarget, certificate: String) -> [Entry] {
        let env = target.environment.isEmpty ? nil : target.environment
        let verify = target.verify?.description
        switch target.reload {
        case .none:
            return [Entry(certificate: certificate, phase: "reload", target: target.description, argv: nil, socket: nil, verify: verify, environment: env)]
        case .command(let check, let reload):
            let checkEntry = check.isEmpty ? [] : [Entry(certificate: certificate, phase: "check", target: target.description, argv: check, socket: nil,
                                                         verify: nil, environment: env)]
            return checkEntry + [Entry(certificate: certificate, phase: "reload", target: target.description, argv: reload, socket: nil, verify: verify,
                                       environment: env)]
        case .haproxyRuntimeAPI(let socket):
            return [Entry(certificate: certificate, phase: "runtime-api", target: target.description, argv: nil, socket: socket, verify: verify,
                          environment: nil)]
        }
    }

    /// One thing tried by `hooks test`: a hook or check (argv) or a runtime-API socket.
    public struct Trial: Encodable, Sendable {
        public let phase: String
        public let argv: [String]?
        public let socket: String?
        public let ok: Bool
        public let status: Int32?
        public let timedOut: Bool
        public let seconds: Double?
        public let output: String?
        public let error: String?

        enum CodingKeys: String, CodingKey {
            case phase, argv, socket, ok, status, seconds, output, error
            case timedOut = "timed_out"
        }
    }

    /// Runs certificate `name`'s checks and pre/deploy/post hooks with
    /// CLM_HOOK_TEST=1 and tries its runtime-API sockets; writes and reloads nothing.
    public func test(name: String, stateRoot: String) throws(LifecycleError) -> [Trial] {
        guard let certificate = config.certificate(named: name) else { throw .notConfigured("no certificate named '\(name)' in the config") }
        // The variables a real deploy gives the same hooks (one builder), plus CLM_HOOK_TEST.
        var env = Deployer.hookVariables(for: certificate, stateRoot: stateRoot)
        env["CLM_HOOK_TEST"] = "1"
        var runs: [(phase: String, argv: Argv, environment: [String: String])] = []
        var trials: [Trial] = []
        for target in certificate.targets {
            if case .command(let check, _) = target.reload, !check.isEmpty { runs.append(("check", check, target.environment)) }
            // The runtime API is tried with a harmless `show info`: a wrong socket must show now, not after an order.
            if case .haproxyRuntimeAPI(let socket) = target.reload {
                let problem = Preflight.runtimeAPIProblem(socket, timeout: config.renew.hookTimeoutSeconds)
                trials.append(Trial(phase: "runtime-api", argv: nil, socket: socket, ok: problem == nil, status: nil, timedOut: false,
                                    seconds: nil, output: nil, error: problem))
            }
        }
        for (phase, list) in [("pre", certificate.hooks.pre + config.hooks.pre), ("deploy", certificate.hooks.deploy + config.hooks.deploy),
                              ("post", certificate.hooks.post + config.hooks.post)] {
            for argv in list { runs.append((phase, argv, [:])) }
        }
        for run in runs {
            var phaseEnv = env.merging(run.environment) { $1 }
            phaseEnv["CLM_PHASE"] = run.phase
            trials.append(tryCommand(run.argv, phase: run.phase, environment: phaseEnv))
        }
        return trials
    }

    func tryCommand(_ argv: Argv, phase: String, environment: [String: String]) -> Trial {
        do {
            let outcome = try HookRunner(policy: config.hookEnvironment).run(argv, environment: environment, timeout: config.renew.hookTimeoutSeconds)
            return Trial(phase: phase, argv: argv, socket: nil, ok: outcome.succeeded, status: outcome.status, timedOut: outcome.timedOut,
                         seconds: (outcome.seconds * 1000).rounded() / 1000, output: outcome.output, error: nil)
        } catch {
            return Trial(phase: phase, argv: argv, socket: nil, ok: false, status: nil, timedOut: false, seconds: nil, output: nil, error: "\(error)")
        }
    }
}
