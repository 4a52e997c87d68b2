/// One DER element seen by ``DERReader``: its tag and where its header and
/// content sit in the buffer. Nothing is copied.
struct DERNode {
    let tag: UInt8
    /// Offset of the tag byte (start of the whole TLV).
    let headerStart: Int
    /// Offset of the first content byte.
    let start: Int
    /// Offset one past the last content byte.
    let end: Int

    var count: Int { end - start }
    var range: Range<Int> { start..<end }
    var fullRange: Range<Int> { headerStart..<end }
}

/// A minimal, zero-copy DER reader over a raw buffer.
///
/// Why hand-written: clm reads every certificate it finds on a host, and a
/// full ASN.1 decoder (OpenSSL's `d2i_X509`, swift-asn1) allocates a node per
/// element. This reader only walks the elements the caller asks for, never
/// recurses on its own, and checks every length against the end of the
/// enclosing element, so hostile input (truncated, indefinite or huge
/// lengths, deep nesting) ends in a ``CertificateParseError`` rather than a
/// crash or a hang.
///
/// Supported: single-byte tags (tag numbers 0–30), short and long definite
/// lengths up to 4 length bytes. Not supported (thrown): high-tag-number
/// tags, indefinite lengths.
struct DERReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int

    /// A reader over the whole buffer.
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
    }

    /// A reader over the content of `node` (its children).
    init(_ bytes: UnsafeRawBufferPointer, contentOf node: DERNode) {
        self.bytes = bytes
        self.position = node.start
        self.end = node.end
    }

    var isAtEnd: Bool { position >= end }

    /// The tag of the next element, or nil at the end.
    var peekTag: UInt8? { position < end ? bytes[position] : nil }

    /// Reads the next element, whatever its tag.
    mutating func next() throws(CertificateParseError) -> DERNode {
        let headerStart = position
        guard headerStart < end else {
            throw CertificateParseError(code: .truncated, reason: "expected an element at offset \(headerStart), found the end of its container")
        }
        let tag = bytes[headerStart]
        if tag & 0x1F == 0x1F {
            throw CertificateParseError(code: .unsupportedEncoding, reason: "high-tag-number tag 0x\(hexByte(tag)) at offset \(headerStart)")
        }
        guard end - headerStart >= 2 else {
            throw CertificateParseError(code: .truncated, reason: "no length byte after tag 0x\(hexByte(tag)) at offset \(headerStart)")
        }
        let first = bytes[headerStart + 1]
        var contentStart = headerStart + 2
        let length: Int
        if first < 0x80 {
            length = Int(first)
        } else if first == 0x80 {
            throw CertificateParseError(code: .indefiniteLength, reason: "indefinite length (BER) at offset \(headerStart)")
        } else {
            let lengthBytes = Int(first & 0x7F)
            guard lengthBytes <= 4 else {
                throw CertificateParseError(code: .unsupportedEncoding, reason: "length field of \(lengthBytes) bytes at offset \(headerStart)")
            }
            guard end - contentStart >= lengthBytes else {
                throw CertificateParseError(code: .truncated, reason: "length field of \(lengthBytes) bytes runs past the end at offset \(headerStart)")
            }
            var value = 0
            for index in 0..<lengthBytes {
                value = value << 8 | Int(bytes[contentStart + index])
            }
            length = value
            contentStart += lengthBytes
        }
        let remaining = end - contentStart
        guard length <= remaining else {
            throw CertificateParseError(code: .truncated, reason: "length \(length) exceeds \(remaining) remaining at offset \(headerStart)")
        }
        position = contentStart + length
        return DERNode(tag: tag, headerStart: headerStart, start: contentStart, end: contentStart + length)
    }

    /// Reads the next element and requires its tag.
    mutating func next(_ tag: UInt8, _ what: String) throws(CertificateParseError) -> DERNode {
        if let actual = peekTag, actual != tag {
            throw CertificateParseError(code: .unexpectedTag,
                                        reason: "expected \(what) (tag 0x\(hexByte(tag))) at offset \(position), found tag 0x\(hexByte(actual))")
        }
        if isAtEnd {
            throw CertificateParseError(code: .truncated, reason: "expected \(what) at offset \(position), found the end of its container")
        }
        return try next()
    }

    /// Reads the next element if it has `tag`.
    mutating func optional(_ tag: UInt8) throws(CertificateParseError) -> DERNode? {
        guard peekTag == tag else { return nil }
        return try next()
    }

    /// Requires that nothing is left in this container.
    func finish(_ what: String) throws(CertificateParseError) {
        guard isAtEnd else {
            throw CertificateParseError(code: .trailingData, reason: "\(end - position) unexpected bytes at offset \(position) inside \(what)")
        }
    }
}

/// ASN.1 universal and context tags used by the certificate reader.
enum DERTag {
    static let boolean: UInt8 = 0x01
    static let integer: UInt8 = 0x02
    static let bitString: UInt8 = 0x03
    static let octetString: UInt8 = 0x04
    static let null: UInt8 = 0x05
    static let oid: UInt8 = 0x06
    static let utf8String: UInt8 = 0x0C
    static let numericString: UInt8 = 0x12
    static let printableString: UInt8 = 0x13
    static let teletexString: UInt8 = 0x14
    static let ia5String: UInt8 = 0x16
    static let utcTime: UInt8 = 0x17
    static let generalizedTime: UInt8 = 0x18
    static let visibleString: UInt8 = 0x1A
    static let universalString: UInt8 = 0x1C
    static let bmpString: UInt8 = 0x1E
    static let sequence: UInt8 = 0x30
    static let set: UInt8 = 0x31

    /// `[n]` constructed (EXPLICIT, or IMPLICIT over a constructed type).
    static func contextConstructed(_ number: UInt8) -> UInt8 { 0xA0 | number }
    /// `[n]` primitive (IMPLICIT over a primitive type).
    static func contextPrimitive(_ number: UInt8) -> UInt8 { 0x80 | number }
}

/// Two lower-case hex digits.
func hexByte(_ byte: UInt8) -> String {
    let digits: StaticString = "0123456789abcdef"
    return digits.withUTF8Buffer { table in
        String(decoding: [table[Int(byte >> 4)], table[Int(byte & 0x0F)]], as: UTF8.self)
    }
}

// MARK: - Content decoding helpers

extension UnsafeRawBufferPointer {
    /// The content bytes of `node`, copied.
    func copyBytes(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: self[range]))
    }

    /// Whether the content of `node` equals `expected` (e.g. a known OID).
    func contentEquals(_ node: DERNode, _ expected: [UInt8]) -> Bool {
        guard node.count == expected.count else { return false }
        var index = 0
        while index < expected.count {
            if self[node.start + index] != expected[index] { return false }
            index += 1
        }
        return true
    }

    /// Dotted text of an OBJECT IDENTIFIER's content ("1.2.840.113549.1.1.11").
    /// Arcs too large for 64 bits and truncated arcs make the text
    /// "invalid-oid" rather than an error: callers only display it.
    func oidString(_ node: DERNode) -> String {
        guard node.count > 0 else { return "invalid-oid" }
        var text = ""
        text.reserveCapacity(node.count * 3)
        var value: UInt64 = 0
        var first = true
        var index = node.start
        while index < node.end {
            let byte = self[index]
            if value > (UInt64.max >> 7) { return "invalid-oid" }
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                if first {
                    let top: UInt64 = value < 40 ? 0 : (value < 80 ? 1 : 2)
                    text += "\(top).\(value - top * 40)"
                    first = false
                } else {
                    text += ".\(value)"
                }
                value = 0
            }
            index += 1
        }
        if self[node.end - 1] & 0x80 != 0 { return "invalid-oid" }
        return text
    }

    /// A small INTEGER (version, pathLenConstraint, TLS feature) as `Int`.
    func smallInteger(_ node: DERNode, _ what: String) throws(CertificateParseError) -> Int {
        guard node.count > 0 else {
            throw CertificateParseError(code: .invalidValue, reason: "empty INTEGER for \(what) at offset \(node.headerStart)")
        }
        // Skip redundant sign bytes so that 00 00 05 still reads as 5.
        var start = node.start
        while node.end - start > 1, self[start] == 0, self[start + 1] & 0x80 == 0 { start += 1 }
        guard node.end - start <= 7 else {
            throw CertificateParseError(code: .invalidValue, reason: "\(what) too large at offset \(node.headerStart)")
        }
        var value = self[start] & 0x80 != 0 ? -1 : 0
        for index in start..<node.end { value = value << 8 | Int(self[index]) }
        return value
    }

    /// Bit length of a non-negative INTEGER's magnitude (RSA modulus, DSA p).
    func unsignedBitCount(_ node: DERNode) -> Int {
        var start = node.start
        while start < node.end, self[start] == 0 { start += 1 }
        guard start < node.end else { return 0 }
        let top = self[start]
        return (node.end - start - 1) * 8 + (8 - top.leadingZeroBitCount)
    }

    /// Text of an ASN.1 string type; non-string types become "#hex" like RFC 4514.
    func stringValue(_ node: DERNode) -> String {
        let content = UnsafeRawBufferPointer(rebasing: self[node.range])
        switch node.tag {
        case DERTag.utf8String, DERTag.printableString, DERTag.ia5String, DERTag.visibleString, DERTag.numericString:
            return String(decoding: content, as: UTF8.self)
        case DERTag.teletexString:
            // T.61 in practice carries Latin-1; OpenSSL reads it the same way.
            return String(String.UnicodeScalarView(content.map { Unicode.Scalar($0) }))
        case DERTag.bmpString:
            var units: [UInt16] = []
            units.reserveCapacity(content.count / 2)
            var index = 0
            while index + 1 < content.count {
                units.append(UInt16(content[index]) << 8 | UInt16(content[index + 1]))
                index += 2
            }
            return String(decoding: units, as: UTF16.self)
        case DERTag.universalString:
            var scalars = String.UnicodeScalarView()
            var index = 0
            while index + 3 < content.count {
                let value = UInt32(content[index]) << 24 | UInt32(content[index + 1]) << 16
                    | UInt32(content[index + 2]) << 8 | UInt32(content[index + 3])
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                index += 4
            }
            return String(scalars)
        default:
            return "#" + Hex.encode(UnsafeRawBufferPointer(rebasing: self[node.fullRange]))
        }
    }
}
