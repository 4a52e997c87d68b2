/// Where one managed certificate's files live under the state dir:
///
///     certificates/<name>/privkey.pem, cert.pem, chain.pem, fullchain.pem
///     certificates/<name>/pending.key  key of an order still in flight
///
/// The one place that spells this layout: the request stage stores through
/// it, the lifecycle's CertificateStore reads through it, and the deploy's
/// hook environment names its paths from it.
public struct CertificateFiles: Sendable, Hashable {
    /// STATE/certificates/NAME.
    public let directory: String

    public init(stateRoot: String, name: String) { directory = Self.root(stateRoot) + "/" + name }

    /// STATE/certificates: the parent of every certificate's directory.
    public static func root(_ stateRoot: String) -> String { stateRoot + "/certificates" }

    public var key: String { directory + "/privkey.pem" }
    public var certificate: String { directory + "/cert.pem" }
    /// Intermediates only.
    public var chain: String { directory + "/chain.pem" }
    public var fullchain: String { directory + "/fullchain.pem" }
    /// The key of an order still in flight.
    public var pendingKey: String { directory + "/pending.key" }
}
