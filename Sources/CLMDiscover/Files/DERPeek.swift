/// Just enough DER to tell container types apart before handing the bytes
/// to the right parser: tags and lengths of the first few elements.
struct DERPeek {
    struct Element {
        let tag: UInt8
        let contentStart: Int
        let contentEnd: Int
    }

    let bytes: [UInt8]

    /// The element starting at `offset`, if its header and length fit.
    func element(at offset: Int, within end: Int? = nil) -> Element? {
        let limit = end ?? bytes.count
        guard offset + 2 <= limit else { return nil }
        let tag = bytes[offset]
        var cursor = offset + 1
        let first = bytes[cursor]
        cursor += 1
        var length = 0
        if first & 0x80 == 0 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 4, cursor + count <= limit else { return nil }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard length <= limit - cursor else { return nil }
        return Element(tag: tag, contentStart: cursor, contentEnd: cursor + length)
    }

    /// The children tags of the outermost SEQUENCE (at most `limit`).
    func topLevelChildren(limit: Int = 4) -> [Element] {
        guard let outer = element(at: 0), outer.tag == 0x30 else { return [] }
        var children: [Element] = []
        var offset = outer.contentStart
        while offset < outer.contentEnd, children.count < limit, let child = element(at: offset, within: outer.contentEnd) {
            children.append(child)
            offset = child.contentEnd
        }
        return children
    }

    /// The bytes of the first complete element (drops trailing data, e.g.
    /// the auxiliary trust block of an OpenSSL "TRUSTED CERTIFICATE").
    func firstElementBytes() -> [UInt8]? {
        guard let outer = element(at: 0) else { return nil }
        return Array(bytes[0..<outer.contentEnd])
    }

    func content(_ element: Element) -> ArraySlice<UInt8> { bytes[element.contentStart..<element.contentEnd] }

    private static let pkcs7SignedData: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]

    /// SEQUENCE { OID signedData, [0] ... }
    var looksLikePKCS7: Bool {
        let children = topLevelChildren(limit: 1)
        guard let oid = children.first, oid.tag == 0x06 else { return false }
        return Array(content(oid)) == Self.pkcs7SignedData
    }

    /// SEQUENCE { INTEGER 3, SEQUENCE { OID data ... } ... }
    var looksLikePKCS12: Bool {
        let children = topLevelChildren(limit: 2)
        guard children.count == 2, children[0].tag == 0x02, Array(content(children[0])) == [3], children[1].tag == 0x30 else { return false }
        return true
    }

    /// The private key format the structure suggests, if any:
    /// PKCS#8 `SEQ { INT 0|1, SEQ {OID..}, OCTET }`, encrypted PKCS#8
    /// `SEQ { SEQ {OID..}, OCTET }`, SEC1 `SEQ { INT 1, OCTET, ... }`,
    /// PKCS#1 `SEQ { INT 0, INT n, INT e, ... }`.
    var privateKeyFormat: String? {
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
    var looksLikeSignedStructure: Bool {
        let children = topLevelChildren(limit: 4)
        return children.count == 3 && children[0].tag == 0x30 && children[1].tag == 0x30 && children[2].tag == 0x03
    }

    enum SignedKind { case certificate, crl, csr }

    /// What a signed structure is, from the first elements of its TBS:
    /// - certificate: `[0] version`, or `INTEGER serial, SEQUENCE { OID }, Name, SEQUENCE validity`;
    /// - CRL: `[INTEGER version,] SEQUENCE { OID }, Name, Time thisUpdate`;
    /// - CSR: `INTEGER 0, Name (SEQUENCE of SET), SEQUENCE spki, [0] attributes`.
    var signedKind: SignedKind? {
        guard looksLikeSignedStructure else { return nil }
        let tbs = topLevelChildren(limit: 1)[0]
        var children: [Element] = []
        var offset = tbs.contentStart
        while children.count < 4, offset < tbs.contentEnd, let child = element(at: offset, within: tbs.contentEnd) {
            children.append(child)
            offset = child.contentEnd
        }
        guard let first = children.first else { return nil }
        if first.tag == 0xA0 { return .certificate }
        // UTCTime or GeneralizedTime right after the issuer: a CRL's thisUpdate.
        if children.contains(where: { $0.tag == 0x17 || $0.tag == 0x18 }) { return .crl }
        guard first.tag == 0x02, children.count >= 3, children[1].tag == 0x30 else { return nil }
        let inner = element(at: children[1].contentStart, within: children[1].contentEnd)
        if inner?.tag == 0x06 { return .certificate }
        if inner == nil || inner?.tag == 0x31 { return .csr }
        return nil
    }
}
