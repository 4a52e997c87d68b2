internal import Foundation

/// Replay-Nonce values (RFC 8555 §6.5) collected from responses, used once each.
///
/// Every response carries a fresh nonce, so under steady traffic the pool
/// refills itself and newNonce is called only at start or after a burst.
final class NoncePool: @unchecked Sendable {
    // `nonces` is guarded by `lock`.
    private let lock = NSLock()
    private var nonces: [String] = []
    private let capacity = 64

    func take() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return nonces.popLast()
    }

    func put(_ nonce: String) {
        lock.lock()
        defer { lock.unlock() }
        nonces.append(nonce)
        if nonces.count > capacity { nonces.removeFirst(nonces.count - capacity) }
    }
}
