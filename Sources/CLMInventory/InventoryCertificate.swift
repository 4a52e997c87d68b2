/// A certificate as the inventory knows it: the facts plus where and when
/// it was seen.
public struct InventoryCertificate: Sendable, Hashable, Codable {
    public var id: Int64
    public var facts: CertificateFacts
    /// Unix seconds.
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Locations still present (not gone).
    public var activeLocationCount: Int
    /// Filled by `certificate(matching:)`; empty in listings.
    public var locations: [InventoryLocation]
    /// Private keys whose public key matches this certificate's.
    public var privateKeys: [PrivateKeyFacts]
    /// Hosts holding it at a present location (listings; one host on SQLite).
    public var hosts: [String] = []
}

/// One place a certificate was seen.
public struct InventoryLocation: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case file, endpoint }
    public var kind: Kind
    public var ref: String
    public var position: Int
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var goneSince: Int64?
    /// The host holding it, on a whole-fleet read of a shared inventory (nil otherwise).
    public var host: String? = nil
}
