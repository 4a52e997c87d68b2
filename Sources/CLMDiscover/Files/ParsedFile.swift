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
    /// What the file held that clm recognises and leaves out on purpose
    /// ("certificate revocation list (DER)").
    public var setAside: [String] = []

    /// One information line when the file held only things clm leaves out.
    public var note: String? {
        guard certificates.isEmpty, keys.isEmpty, problems.isEmpty, !setAside.isEmpty else { return nil }
        var unique: [String] = []
        for item in setAside where !unique.contains(item) { unique.append(item) }
        return unique.joined(separator: ", ") + ": not a certificate or key; not inventoried"
    }

    public var warning: String? { problems.isEmpty ? nil : problems.joined(separator: "; ") }
}
