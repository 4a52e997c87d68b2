internal import Foundation
internal import CLMCore

/// The http-01 standalone responder: answers GETs from a responder closure
/// on CLMCore's ``SmallHTTPServer``, on a thread of its own.
///
/// It serves only what the responder returns (404 for everything else),
/// reads at most 8 KiB of request head, and closes each connection after one
/// response.
public final class ChallengeHTTPServer: Sendable {
    /// A response: status, extra headers, body.
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// Returns the reply for a path, or nil for 404.
    public typealias Responder = @Sendable (_ path: String) -> Reply?

    public let address: String
    public let port: Int
    private let server: SmallHTTPServer

    /// Binds and starts serving at once; throws when the port cannot be bound.
    public init(address: String = "0.0.0.0", port: Int, responder: @escaping Responder) throws(SolverError) {
        self.address = address
        self.port = port
        var limits = SmallHTTPServer.Limits()
        limits.readTimeout = 10
        limits.maxRequestBytes = 8192
        do {
            server = try SmallHTTPServer(host: address, port: UInt16(clamping: port), limits: limits) { request in
                guard request.isRead else { return .text(405, "") }
                guard let reply = responder(request.path) else { return .text(404, "") }
                return SmallHTTPServer.Response(status: reply.status, headers: reply.headers, body: reply.body)
            }
        } catch {
            switch error {
            case .badAddress: throw .standalone(address: address, port: port, operation: "parse address", errno: EINVAL)
            case .cannotListen(_, let operation, let code): throw .standalone(address: address, port: port, operation: operation, errno: code)
            }
        }
        server.startInBackground(name: "clm-http01-\(port)")
    }

    /// Stops serving and closes the socket; waits for the thread to end.
    public func stop() { server.stop() }
}
