/// Just enough DER to tell container types apart before handing the bytes
/// to the right parser: tags and lengths of the first few elements, read
/// with ``DERReader`` (clm's one DER walker), so every length is checked
/// against its container the same way the certificate parser checks it.
public struct DERShape: Sendable {
    struct Element {
        let tag: UInt8
        let content: Range<Int>
    }

    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether the bytes start with a DER element whose header and length fit.
    public var startsWithElement: Bool { outer != nil }

    /// The bytes of the first complete element (drops trailing data, e.g.
    /// the auxiliary trust block of an OpenSSL "TRUSTED CERTIFICATE").
    public func firstElementBytes() -> [UInt8]? {
        outer.map { Array(bytes[0..<$0.content.upperBound]) }
    }

    private var outer: Element? { elements(in: 0..<bytes.count, limit: 1).first }

    /// Up to `limit` consecutive elements in `range`; stops at the first that does not read.
    func elements(in range: Range<Int>, limit: Int) -> [Element] {
        bytes.withUnsafeBytes { raw in
            var reader = DERReader(raw, contentOf: DERNode(tag: 0, headerStart: range.lowerBound, start: range.lowerBound, end: range.upperBound))
            var found: [Element] = []
            while found.count < limit, !reader.isAtEnd, let node = try? reader.next() {
                found.append(Element(tag: node.tag, content: node.range))
            }
            return found
        }
    }

    /// The children of the outermost SEQUENCE (at most `limit`).
    func topLevelChildren(limit: Int = 4) -> [Element] {
        guard let outer, outer.tag == 0x30 else { return [] }
        return elements(in: outer.content, limit: limit)
    }

    func content(_ element: Element) -> ArraySlice<UInt8> { bytes[element.content] }

    private static let pkcs7SignedData: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]

    /// SEQUENCE { OID signedData, [0] ... }
    public var looksLikePKCS7: Bool {
        let children = topLevelChildren(limit: 1)
        guard let oid = children.first, oid.tag == 0x06 else { return false }
        return Array(content(oid)) == Self.pkcs7SignedData
    }

    /// SEQUENCE { INTEGER 3, SEQUENCE { OID data ... } ... }
    public var looksLikePKCS12: Bool {
        let children = topLevelChildren(limit: 2)
        guard children.count == 2, children[0].tag == 0x02, Array(content(children[0])) == [3], children[1].tag == 0x30 else { return false }
        return true
    }

    /// The private key format the structure suggests, if any:
    /// PKCS#8 `SEQ { INT 0|1, SEQ {OID..}, OCTET }`, encrypted PKCS#8
    /// `SEQ { SEQ {OID..}, OCTET }`, SEC1 `SEQ { INT 1, OCTET, ... }`,
    /// PKCS#1 `SEQ { INT 0, INT n, INT e, ... }`.
    public var privateKeyFormat: String? {
        let children = topLevelChildren(limit: 4)
        guard children.count >= 2 else { return nil }
        if children[0].tag == 0x30, children[1].tag == 0x04, children.count == 2 { return "pkcs8-encrypted" }
        guard children[0].tag == 0x02 else { return nil }
        let version = Array(content(children[0]))
        if children[1].tag == 0x30, children.count >= 3, children[2].tag == 0x04, version == [0] || version == [1] { return "pkcs8" }
        if version == [1], children[1].tag == 0x04 { return "sec1" }
        if version == [0], children[1].tag == 0x02, children.count >= 3 { return "pkcs1" }
        return nil
    }

    /// SEQUENCE { SEQUENCE tbs, SEQUENCE algorithm, BIT STRING }: a certificate, CSR or CRL.
    public var looksLikeSignedStructure: Bool {
        let children = topLevelChildren(limit: 4)
        return children.count == 3 && children[0].tag == 0x30 && children[1].tag == 0x30 && children[2].tag == 0x03
    }

    public enum SignedKind: Sendable { case certificate, crl, csr }

    /// What a signed structure is, from the first elements of its TBS:
    /// - certificate: `[0] version`, or `INTEGER serial, SEQUENCE { OID }, Name, SEQUENCE validity`;
    /// - CRL: `[INTEGER version,] SEQUENCE { OID }, Name, Time thisUpdate`;
    /// - CSR: `INTEGER 0, Name (SEQUENCE of SET), SEQUENCE spki, [0] attributes`.
    public var signedKind: SignedKind? {
        guard looksLikeSignedStructure else { return nil }
        let children = elements(in: topLevelChildren(limit: 1)[0].content, limit: 4)
        guard let first = children.first else { return nil }
        if first.tag == 0xA0 { return .certificate }
        // UTCTime or GeneralizedTime right after the issuer: a CRL's thisUpdate.
        if children.contains(where: { $0.tag == 0x17 || $0.tag == 0x18 }) { return .crl }
        guard first.tag == 0x02, children.count >= 3, children[1].tag == 0x30 else { return nil }
        let inner = elements(in: children[1].content, limit: 1).first
        if inner?.tag == 0x06 { return .certificate }
        if inner == nil || inner?.tag == 0x31 { return .csr }
        return nil
    }
}
