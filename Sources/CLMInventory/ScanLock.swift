internal import CLMSQLite
internal import CLMPostgres
internal import Foundation

/// One file scan at a time per inventory.
///
/// Gone-marking compares each location's last scan with the current one, so
/// two overlapping scans of one tree would mark each other's sightings gone.
/// The lock is a POSIX write lock (`fcntl F_SETLK`) on `<inventory>.scan-lock`:
/// the kernel drops it when the process dies, so a killed scan never leaves
/// it stuck, and unlike `flock` a child process spawned meanwhile (a hook,
/// a test's openssl) never inherits it.
///
/// On a shared inventory the lock is a PostgreSQL session advisory lock
/// keyed by the host id: one scan per host at a time, released when the
/// connection ends however the process ends.
final class ScanLock {
    private var descriptor: Int32 = -1
    private var advisory: (connection: PostgresConnection, key: Int64)?

    convenience init(inventory: Inventory) throws(InventoryError) {
        switch inventory.backend {
        case .sqlite: try self.init(inventoryPath: inventory.path)
        case .postgres(let database): try self.init(shared: database.connection, hostID: inventory.hostID)
        }
    }

    private init(shared connection: PostgresConnection, hostID: String) throws(InventoryError) {
        // "scan" in the high bytes, the host's schema hash below: one key per host.
        let key = Int64(bitPattern: UInt64(0x7363_0000_0000_0000) | (UInt64(FleetSchema.schemaName(for: hostID).dropFirst(9), radix: 16) ?? 0) >> 16)
        do {
            let rows = try connection.execute("SELECT pg_try_advisory_lock($1) AS taken", [.int(key)])
            guard rows.string(0, "taken") == "t" else { throw InventoryError.scanRunning(path: "\(connection.url.redacted) (host \(hostID))", pid: nil) }
        } catch let error as InventoryError {
            throw error
        } catch {
            throw .wrap(error, path: connection.url.redacted)
        }
        advisory = (connection, key)
    }

    /// Takes the lock or throws `.scanRunning` at once: waiting would let a
    /// timer's scans pile up behind a slow one.
    private init(inventoryPath: String) throws(InventoryError) {
        let path = inventoryPath + ".scan-lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .database(SQLiteError(code: 1, message: "cannot open scan lock \(path): \(String(cString: strerror(errno)))", path: path))
        }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        guard fcntl(descriptor, F_SETLK, &request) == 0 else {
            let holder = Self.holder(descriptor)
            close(descriptor)
            descriptor = -1
            throw .scanRunning(path: inventoryPath, pid: holder)
        }
        // Who holds it, for the message the next scan prints.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    func release() {
        if let (connection, key) = advisory {
            _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [.int(key)])
            advisory = nil
        }
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        close(descriptor)  // closing drops the lock
        descriptor = -1
    }

    deinit { release() }

    private static func holder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
