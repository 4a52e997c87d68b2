public import CLMCrypto

/// What one file turned out to hold.
public struct ParsedFile: Sendable {
    /// Certificate DER in file order.
    public var certificates: [[UInt8]] = []
    public var keys: [PrivateKeyInspector.Result] = []
    /// Problems worth an operator's attention, joined into one line.
    public var problems: [String] = []
    /// True when the file held anything clm understands (even if ignored, like a CSR).
    public var recognized = false

    public var warning: String? { problems.isEmpty ? nil : problems.joined(separator: "; ") }
}
