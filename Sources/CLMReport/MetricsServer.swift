public import CLMInventory
public import CLMCore
internal import Foundation

/// `clm serve --metrics`: a read-only `/metrics` endpoint on CLMCore's
/// ``SmallHTTPServer`` (per-connection deadlines, a connection cap, stalled
/// clients never delay a scrape). Each scrape re-reads the inventory, so a
/// scan or renew running beside the server shows on the next scrape.
///
/// It blocks its calling thread (run it from a synchronous command, never on
/// the cooperative pool).
public final class MetricsServer {
    public typealias Failure = SmallHTTPServer.Failure
    public typealias Limits = SmallHTTPServer.Limits

    private let server: SmallHTTPServer
    public var port: UInt16 { server.port }

    /// Binds `address` (`HOST:PORT`, IPv4 or `[v6]:port`).
    public init(address: String, inventory: Inventory, version: String = "unknown", limits: Limits = Limits()) throws(Failure) {
        server = try SmallHTTPServer(address: address, limits: limits) { request in
            Self.respond(to: request, exporter: MetricsExporter(inventory: inventory, version: version))
        }
    }

    /// Serves until the process is stopped.
    public func serveForever() -> Never { server.serveForever() }

    /// Serves until `keepGoing` returns false (checked at least every 200 ms).
    public func serve(while keepGoing: () -> Bool) { server.serve(while: keepGoing) }

    /// Number of connections currently open (for tests and diagnostics).
    public var openConnections: Int { server.openConnections }

    private static func respond(to request: SmallHTTPServer.Request, exporter: MetricsExporter) -> SmallHTTPServer.Response {
        guard !request.target.isEmpty else { return .text(400, "clm serves GET /metrics\n") }
        guard request.isRead else { return .text(405, "read-only: GET /metrics\n") }
        guard request.path == "/metrics" else { return .text(404, "clm serves /metrics only\n") }
        do {
            let body = try exporter.render(now: Date())
            return SmallHTTPServer.Response(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body: Array(body.utf8))
        } catch {
            return .text(500, "inventory error: \(error)\n")
        }
    }
}
