internal import CLMPostgres

/// Which inventory a command uses and as which host: the embedded SQLite
/// file (the default) or a fleet's shared PostgreSQL inventory. A value, so
/// every stage that opens a connection of its own opens the same one.
public struct InventoryTarget: Sendable, CustomStringConvertible {
    public enum Engine: Sendable {
        case sqlite(path: String)
        case shared(SharedInventoryAddress)
    }

    public let engine: Engine
    public var hostID: String
    public var scope: InventoryScope

    public init(engine: Engine, hostID: String = Inventory.defaultHostID, scope: InventoryScope = .thisHost) {
        self.engine = engine
        self.hostID = hostID
        self.scope = scope
    }

    public static func sqlite(_ path: String) -> InventoryTarget { InventoryTarget(engine: .sqlite(path: path)) }

    /// The file, or the URL with its password redacted: safe for any message.
    public var description: String {
        switch engine {
        case .sqlite(let path): return path
        case .shared(let address): return address.url.redacted
        }
    }

    public var isShared: Bool {
        if case .shared = engine { return true }
        return false
    }

    public func open() throws(InventoryError) -> Inventory {
        switch engine {
        case .sqlite(let path): return try Inventory(path: path, hostID: hostID)
        case .shared(let address): return try Inventory(shared: address, hostID: hostID, scope: scope)
        }
    }

    /// The same inventory showing other hosts' records.
    public func scoped(_ scope: InventoryScope) -> InventoryTarget {
        var copy = self
        copy.scope = scope
        return copy
    }
}
