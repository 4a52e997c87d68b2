import Foundation

/// Blocking work (SQLite, file walks) run on a thread of its own and
/// awaited, so it never occupies one of the cooperative pool's few threads
/// (two on the machines clm is built for).
enum Offload {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = "clm-blocking"
            thread.start()
        }
    }
}
