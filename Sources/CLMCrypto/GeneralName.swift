/// One entry of a subjectAltName (RFC 5280 §4.2.1.6).
public enum GeneralName: Sendable, Hashable, CustomStringConvertible {
    case dns(String)
    /// Textual address: dotted IPv4, or IPv6 in RFC 5952 form ("2001:db8::1").
    case ip(String)
    case email(String)
    case uri(String)
    /// Any other form, as text: "otherName:<oid>", "DirName:<name>", "RID:<oid>",
    /// "x400Address", "ediPartyName", or "IP:<hex>" for an address of odd length.
    case other(String)

    /// OpenSSL-like text: "DNS:example.com", "IP Address:10.0.0.1", "email:…", "URI:…".
    public var description: String {
        switch self {
        case .dns(let name): "DNS:\(name)"
        case .ip(let address): "IP Address:\(address)"
        case .email(let address): "email:\(address)"
        case .uri(let uri): "URI:\(uri)"
        case .other(let text): text
        }
    }
}

extension GeneralName {
    /// GeneralName ::= CHOICE { otherName [0], rfc822Name [1] IA5String, dNSName [2] IA5String,
    /// x400Address [3], directoryName [4] Name, ediPartyName [5], uniformResourceIdentifier [6]
    /// IA5String, iPAddress [7] OCTET STRING, registeredID [8] OID }
    init(_ bytes: UnsafeRawBufferPointer, node: DERNode) throws(CertificateParseError) {
        let content = UnsafeRawBufferPointer(rebasing: bytes[node.range])
        switch node.tag {
        case 0x81: self = .email(String(decoding: content, as: UTF8.self))
        case 0x82: self = .dns(String(decoding: content, as: UTF8.self))
        case 0x86: self = .uri(String(decoding: content, as: UTF8.self))
        case 0x87: self = Self.ipAddress(content)
        case 0xA0:
            var reader = DERReader(bytes, contentOf: node)
            let oid = try reader.next(DERTag.oid, "otherName type-id")
            self = .other("otherName:\(bytes.oidString(oid))")
        case 0xA3: self = .other("x400Address")
        case 0xA4:
            var reader = DERReader(bytes, contentOf: node)
            let name = try DistinguishedName(bytes, name: try reader.next(DERTag.sequence, "directoryName"))
            self = .other("DirName:\(name.description)")
        case 0xA5: self = .other("ediPartyName")
        case 0x88: self = .other("RID:\(bytes.oidString(node))")
        default:
            throw CertificateParseError(code: .unexpectedTag,
                                        reason: "unknown GeneralName tag 0x\(hexByte(node.tag)) at offset \(node.headerStart)")
        }
    }

    static func ipAddress(_ content: UnsafeRawBufferPointer) -> GeneralName {
        if content.count == 4 {
            return .ip("\(content[0]).\(content[1]).\(content[2]).\(content[3])")
        }
        guard content.count == 16 else { return .other("IP:\(Hex.encode(content))") }
        var groups = [UInt16](repeating: 0, count: 8)
        for index in 0..<8 { groups[index] = UInt16(content[2 * index]) << 8 | UInt16(content[2 * index + 1]) }
        // RFC 5952 §4.2: compress the longest run (length >= 2) of zero groups, the first one on ties.
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0...8 {
            if index < 8, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                let length = index - runStart
                if length > bestLength, length >= 2 { bestStart = runStart; bestLength = length }
                runStart = -1
            }
        }
        var text = ""
        var index = 0
        while index < 8 {
            if index == bestStart {
                text += "::"
                index += bestLength
                continue
            }
            if !text.isEmpty, !text.hasSuffix(":") { text += ":" }
            text += String(groups[index], radix: 16)
            index += 1
        }
        return .ip(text)
    }
}
