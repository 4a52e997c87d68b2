import Testing
import CLMCore
import CLMDeploy
import CLMRequest
@testable import CLMLifecycle

/// `clm request` and `clm renew` order through one IssuanceBatch; its solver choice is checked here.
@Suite("One issuance path for request and renew")
struct IssuanceBatchTests {
    @Test("orders on one address:port share one standalone responder; webroot and dns-01 get their own, dns-01 with the run's hook timeout and env")
    func solverPerChallenge() throws {
        let policy = HookEnvironment(passEnv: ["DNS_API_TOKEN"])
        var solvers = ChallengeSolvers(hookTimeout: .seconds(7), policy: policy)
        let first = try #require(solvers.solver(for: .standalone(address: "127.0.0.1", port: 5002)) as? StandaloneHTTPSolver)
        let second = try #require(solvers.solver(for: .standalone(address: "127.0.0.1", port: 5002)) as? StandaloneHTTPSolver)
        let other = try #require(solvers.solver(for: .standalone(address: "127.0.0.1", port: 5003)) as? StandaloneHTTPSolver)
        #expect(first === second, "two responders on one port cannot both bind it")
        #expect(first !== other)
        let webroot = try #require(solvers.solver(for: .webroot("/srv/www")) as? WebrootSolver)
        #expect(webroot.webroot == "/srv/www")
        let dns = try #require(solvers.solver(for: .dnsHook(hook: "/usr/local/bin/dns-hook", propagationSeconds: 5)) as? DNSHookSolver)
        #expect(dns.hook == "/usr/local/bin/dns-hook" && dns.propagationDelay == .seconds(5))
        #expect(dns.timeout == .seconds(7) && dns.policy == policy)
    }
}
