/// An X.509 Name (subject or issuer), kept as its DER and as readable attributes.
///
/// Equality and hashing use ``der`` only: two names are the same name when
/// their encodings are, which is how ``CertificateInfo/isSelfIssued`` compares.
public struct DistinguishedName: Sendable, Hashable, CustomStringConvertible {
    /// One AttributeTypeAndValue, e.g. `CN` = `example.com`.
    public struct Attribute: Sendable, Hashable {
        /// OpenSSL's short name ("CN", "O", "C", "emailAddress"…) or the dotted OID.
        public let type: String
        /// The value as text; values that are not strings are "#" + hex of their DER (RFC 4514 §2.4).
        public let value: String

        public init(type: String, value: String) {
            self.type = type
            self.value = value
        }
    }

    /// The whole Name element (tag, length, content).
    public let der: [UInt8]
    /// Attributes in encoding order (least specific first, usually C … CN).
    public let attributes: [Attribute]

    /// The last (most specific) CN attribute, if any.
    public var commonName: String? {
        attributes.last(where: { $0.type == "CN" })?.value
    }

    /// The name in encoding order, ", " between RDNs and " + " inside a
    /// multi-valued RDN, values escaped as RFC 4514 asks: "C=US, O=Example\, Inc, CN=example.com".
    /// This is what `openssl x509 -subject -nameopt sep_comma_plus_space,esc_2253,esc_ctrl,utf8,sname` prints.
    public var description: String {
        var text = ""
        der.withUnsafeBytes { bytes in
            var reader = DERReader(bytes)
            guard let name = try? reader.next() else { return }
            try? Self.walk(bytes, name: name) { type, value, startsRDN in
                if !text.isEmpty { text += startsRDN ? ", " : " + " }
                text += type
                text += "="
                Self.appendEscaped(value, to: &text)
            }
        }
        return text
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.der == rhs.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }
}

extension DistinguishedName {
    /// Name ::= SEQUENCE OF RelativeDistinguishedName;
    /// RelativeDistinguishedName ::= SET OF AttributeTypeAndValue;
    /// AttributeTypeAndValue ::= SEQUENCE { type OID, value ANY }.
    init(_ bytes: UnsafeRawBufferPointer, name: DERNode) throws(CertificateParseError) {
        var attributes: [Attribute] = []
        attributes.reserveCapacity(4)
        try Self.walk(bytes, name: name) { type, value, _ in
            attributes.append(Attribute(type: type, value: value))
        }
        self.der = bytes.copyBytes(name.fullRange)
        self.attributes = attributes
    }

    static func walk(_ bytes: UnsafeRawBufferPointer, name: DERNode,
                     _ visit: (String, String, Bool) -> Void) throws(CertificateParseError) {
        guard name.tag == DERTag.sequence else {
            throw CertificateParseError(code: .unexpectedTag, reason: "Name at offset \(name.headerStart) is not a SEQUENCE")
        }
        var rdns = DERReader(bytes, contentOf: name)
        while !rdns.isAtEnd {
            let rdn = try rdns.next(DERTag.set, "RelativeDistinguishedName SET")
            var members = DERReader(bytes, contentOf: rdn)
            var first = true
            while !members.isAtEnd {
                let pair = try members.next(DERTag.sequence, "AttributeTypeAndValue")
                var pairReader = DERReader(bytes, contentOf: pair)
                let type = try pairReader.next(DERTag.oid, "attribute type OID")
                let value = try pairReader.next()
                try pairReader.finish("AttributeTypeAndValue")
                visit(bytes.attributeTypeName(type), bytes.stringValue(value), first)
                first = false
            }
        }
    }

    /// RFC 4514 §2.4 escaping, plus `\XX` for control characters as OpenSSL's esc_ctrl.
    static func appendEscaped(_ value: String, to text: inout String) {
        let scalars = value.unicodeScalars
        var index = scalars.startIndex
        while index != scalars.endIndex {
            let scalar = scalars[index]
            let isFirst = index == scalars.startIndex
            let next = scalars.index(after: index)
            let isLast = next == scalars.endIndex
            switch scalar {
            case ",", "+", "\"", "\\", "<", ">", ";":
                text += "\\"
                text.unicodeScalars.append(scalar)
            case "#" where isFirst, " " where isFirst || isLast:
                text += "\\"
                text.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    text += "\\" + hexByte(UInt8(scalar.value)).uppercased()
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
            index = next
        }
    }
}
