internal import Foundation
public import CLMCrypto
public import CLMDiscover
public import CLMInventory
internal import CLMCore

/// One `clm scan`: files, then the configs (and the files they name), then
/// TLS endpoints, all into one inventory. File and SQLite work runs on a
/// thread of its own; probes run on the prober's threads.
public struct ScanRun: Sendable {
    public struct Request: Sendable {
        public var paths: [String] = []
        public var nginx: [String] = []
        public var haproxy: [String] = []
        public var postfix: [String] = []
        public var dovecot: [String] = []
        public var files = FileScanner.Options()
        public var targets: [TLSTarget] = []
        public var endpoints = EndpointScanner.Options()

        public init() {}

        var readsConfigs: Bool { !nginx.isEmpty || !haproxy.isEmpty || !postfix.isEmpty || !dovecot.isEmpty }
    }

    public struct Result: Sendable {
        public var files: ScanRecorder.Summary?
        public var configs: ConfigDiscovery.Summary?
        public var endpoints: [EndpointScanner.Outcome] = []
    }

    /// What the scan is doing, for a progress line.
    public enum Progress: Sendable {
        case files(examined: Int, certificates: Int)
        case endpoints(count: Int)
        case idle
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case inventory(String)
        /// The inventory cannot be opened as set up (unreachable, refused login).
        case setup(String)
        case tlsSetup(String)

        public var description: String {
            switch self {
            case let .inventory(message), let .setup(message): return message
            case let .tlsSetup(message): return "cannot set up TLS: \(message)"
            }
        }
    }

    public let inventory: InventoryTarget

    private static func failure(_ error: any Error) -> Failure {
        if let error = error as? InventoryError, error.isSetupProblem { return .setup(error.description) }
        return .inventory("\(error)")
    }

    public init(inventory: InventoryTarget) { self.inventory = inventory }
    public init(inventoryPath: String) { self.init(inventory: .sqlite(inventoryPath)) }

    public func run(_ request: Request, progress: @escaping @Sendable (Progress) -> Void) async throws(Failure) -> Result {
        var result = try await filesAndConfigs(request, progress: progress)
        if !request.targets.isEmpty { result.endpoints = try await endpoints(request, progress: progress) }
        return result
    }

    private func filesAndConfigs(_ request: Request, progress: @escaping @Sendable (Progress) -> Void) async throws(Failure) -> Result {
        let location = inventory
        do {
            return try await Blocking.run { () throws -> Result in
                let inventory = try location.open()
                var result = Result()
                if !request.paths.isEmpty {
                    defer { progress(.idle) }
                    result.files = try FileScanner(inventory: inventory, options: request.files).scan(roots: request.paths) { state in
                        progress(.files(examined: state.filesExamined, certificates: state.certificatesSeen))
                    }
                }
                if request.readsConfigs {
                    result.configs = try ConfigDiscovery(inventory: inventory, scannerOptions: request.files)
                        .discover(nginx: request.nginx, haproxy: request.haproxy, postfix: request.postfix, dovecot: request.dovecot)
                }
                return result
            }
        } catch {
            throw Self.failure(error)
        }
    }

    private func endpoints(_ request: Request, progress: @escaping @Sendable (Progress) -> Void) async throws(Failure) -> [EndpointScanner.Outcome] {
        progress(.endpoints(count: request.targets.count))
        defer { progress(.idle) }
        let scanner = EndpointScanner(options: request.endpoints)
        let probed: [(EndpointRecord, [CertificateFacts])]
        do { probed = try await scanner.probe(request.targets) } catch { throw .tlsSetup("\(error)") }
        let location = inventory
        do {
            return try await Blocking.run { try scanner.record(probed, in: try location.open(), now: Date()) }
        } catch {
            throw Self.failure(error)
        }
    }
}
