internal import COpenSSL
internal import CShims

/// An OpenSSL failure: the operation that failed, the C call, and the
/// library's error queue drained at that moment.
///
/// OpenSSL's error queue is per thread, so it is read right after the
/// failing call (see ``OpenSSLError/capture(_:call:)``) and never across an
/// `await`.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    /// One entry of OpenSSL's error queue.
    public struct Entry: Sendable, Hashable {
        public let code: UInt
        public let library: Int
        public let reason: Int
        public let text: String
    }

    public let operation: String
    public let call: String
    public let stack: [Entry]

    public init(operation: String, call: String, stack: [Entry]) {
        self.operation = operation
        self.call = call
        self.stack = stack
    }

    /// Drains this thread's OpenSSL error queue into an error value.
    static func capture(_ operation: String, call: String) -> OpenSSLError {
        OpenSSLError(operation: operation, call: call, stack: drainQueue())
    }

    static func drainQueue() -> [Entry] {
        var entries: [Entry] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            entries.append(Entry(code: UInt(code), library: Int(clm_ERR_GET_LIB(code)),
                                 reason: Int(clm_ERR_GET_REASON(code)), text: text))
        }
        return entries
    }

    /// Clears stale entries before an operation whose failure we will report.
    static func clearQueue() { ERR_clear_error() }

    public var description: String {
        let reasons = stack.map(\.text).joined(separator: "; ")
        return reasons.isEmpty ? "\(operation) failed (\(call))" : "\(operation) failed (\(call)): \(reasons)"
    }
}
