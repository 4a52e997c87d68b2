/// The extension values ``CertificateInfo`` reports, read from the
/// Extensions SEQUENCE. Unknown extensions are skipped unread; a known
/// extension whose value does not decode throws
/// ``CertificateParseError/Code/malformedExtension``. When an extension
/// appears twice (RFC 5280 forbids it), the first one counts.
struct ExtensionFields {
    var subjectAlternativeNames: [GeneralName] = []
    var isCA = false
    var pathLengthConstraint: Int?
    var authorityKeyIdentifier: String?
    var subjectKeyIdentifier: String?
    var caIssuersURLs: [String] = []
    var ocspURLs: [String] = []
    var keyUsage: [String] = []
    var extendedKeyUsage: [String] = []
    var mustStaple = false
    private var seen: UInt32 = 0

    private enum Known: Int {
        case subjectKeyIdentifier, keyUsage, subjectAltName, basicConstraints, authorityKeyIdentifier,
             extendedKeyUsage, authorityInfoAccess, tlsFeature

        var name: String {
            switch self {
            case .subjectKeyIdentifier: "subjectKeyIdentifier"
            case .keyUsage: "keyUsage"
            case .subjectAltName: "subjectAltName"
            case .basicConstraints: "basicConstraints"
            case .authorityKeyIdentifier: "authorityKeyIdentifier"
            case .extendedKeyUsage: "extendedKeyUsage"
            case .authorityInfoAccess: "authorityInfoAccess"
            case .tlsFeature: "tlsfeature"
            }
        }
    }

    private static let keyUsageNames = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                                        "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"]

    /// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    mutating func read(_ bytes: UnsafeRawBufferPointer, list: DERNode) throws(CertificateParseError) {
        var listReader = DERReader(bytes, contentOf: list)
        while !listReader.isAtEnd {
            let extensionNode = try listReader.next(DERTag.sequence, "Extension")
            var reader = DERReader(bytes, contentOf: extensionNode)
            let oid = try reader.next(DERTag.oid, "extnID")
            _ = try reader.optional(DERTag.boolean)
            let value = try reader.next(DERTag.octetString, "extnValue")
            try reader.finish("Extension")

            let known: Known?
            if let arc = bytes.lastArc(oid, after: X509OID.certificateExtension) {
                switch arc {
                case 14: known = .subjectKeyIdentifier
                case 15: known = .keyUsage
                case 17: known = .subjectAltName
                case 19: known = .basicConstraints
                case 35: known = .authorityKeyIdentifier
                case 37: known = .extendedKeyUsage
                default: known = nil
                }
            } else if let arc = bytes.lastArc(oid, after: X509OID.pkixExtension) {
                switch arc {
                case 1: known = .authorityInfoAccess
                case 24: known = .tlsFeature
                default: known = nil
                }
            } else {
                known = nil
            }
            guard let known else { continue }
            let bit: UInt32 = 1 << UInt32(known.rawValue)
            guard seen & bit == 0 else { continue }
            seen |= bit
            do throws(CertificateParseError) {
                try read(known, bytes, value: value)
            } catch {
                throw CertificateParseError(code: .malformedExtension,
                                            reason: "\(known.name) extension at offset \(extensionNode.headerStart): \(error.reason)")
            }
        }
    }

    private mutating func read(_ known: Known, _ bytes: UnsafeRawBufferPointer, value: DERNode) throws(CertificateParseError) {
        var outer = DERReader(bytes, contentOf: value)
        // Bytes after the value are ignored, as OpenSSL ignores them: a
        // certificate every OpenSSL client accepts must not be missed
        // (found by the x509diff fuzzer; the seed keeps it).
        let node = try outer.next()
        switch known {
        case .subjectKeyIdentifier:
            try expect(node, DERTag.octetString, "SubjectKeyIdentifier OCTET STRING")
            subjectKeyIdentifier = Hex.encode(UnsafeRawBufferPointer(rebasing: bytes[node.range]))

        case .keyUsage:
            keyUsage = try Self.keyUsage(bytes, node)

        case .subjectAltName:
            try expect(node, DERTag.sequence, "GeneralNames SEQUENCE")
            var reader = DERReader(bytes, contentOf: node)
            var names: [GeneralName] = []
            while !reader.isAtEnd { names.append(try GeneralName(bytes, node: try reader.next())) }
            subjectAlternativeNames = names

        case .basicConstraints:
            try readBasicConstraints(bytes, node)

        case .authorityKeyIdentifier:
            try expect(node, DERTag.sequence, "AuthorityKeyIdentifier SEQUENCE")
            var reader = DERReader(bytes, contentOf: node)
            if let keyIdentifier = try reader.optional(DERTag.contextPrimitive(0)) {
                authorityKeyIdentifier = Hex.encode(UnsafeRawBufferPointer(rebasing: bytes[keyIdentifier.range]))
            }

        case .extendedKeyUsage:
            try expect(node, DERTag.sequence, "ExtKeyUsageSyntax SEQUENCE")
            var reader = DERReader(bytes, contentOf: node)
            var purposes: [String] = []
            while !reader.isAtEnd { purposes.append(bytes.keyPurposeName(try reader.next(DERTag.oid, "KeyPurposeId"))) }
            extendedKeyUsage = purposes

        case .authorityInfoAccess:
            try readAuthorityInfoAccess(bytes, node)

        case .tlsFeature:
            // Features ::= SEQUENCE OF INTEGER (RFC 7633); status_request is 5.
            try expect(node, DERTag.sequence, "Features SEQUENCE")
            var reader = DERReader(bytes, contentOf: node)
            while !reader.isAtEnd {
                if try bytes.smallInteger(try reader.next(DERTag.integer, "TLS feature"), "TLS feature") == 5 { mustStaple = true }
            }
        }
    }

    private static func keyUsage(_ bytes: UnsafeRawBufferPointer, _ node: DERNode) throws(CertificateParseError) -> [String] {
        guard node.tag == DERTag.bitString else {
            throw CertificateParseError(code: .unexpectedTag,
                                        reason: "expected KeyUsage BIT STRING at offset \(node.headerStart), found tag 0x\(hexByte(node.tag))")
        }
        guard node.count >= 1, bytes[node.start] <= 7 else {
            throw CertificateParseError(code: .invalidValue, reason: "bad BIT STRING at offset \(node.headerStart)")
        }
        var names: [String] = []
        for index in 0..<min(keyUsageNames.count, (node.count - 1) * 8) {
            let byte = bytes[node.start + 1 + index / 8]
            if byte & (0x80 >> UInt8(index % 8)) != 0 { names.append(keyUsageNames[index]) }
        }
        return names
    }

    private mutating func readBasicConstraints(_ bytes: UnsafeRawBufferPointer, _ node: DERNode) throws(CertificateParseError) {
        try expect(node, DERTag.sequence, "BasicConstraints SEQUENCE")
        var reader = DERReader(bytes, contentOf: node)
        if let flag = try reader.optional(DERTag.boolean) {
            isCA = flag.count == 1 && bytes[flag.start] != 0
        }
        if let pathLength = try reader.optional(DERTag.integer) {
            pathLengthConstraint = try bytes.smallInteger(pathLength, "pathLenConstraint")
        }
        try reader.finish("BasicConstraints")
    }

    /// AccessDescription ::= SEQUENCE { accessMethod OID, accessLocation GeneralName }: OCSP and caIssuers URLs.
    private mutating func readAuthorityInfoAccess(_ bytes: UnsafeRawBufferPointer, _ node: DERNode) throws(CertificateParseError) {
        try expect(node, DERTag.sequence, "AuthorityInfoAccessSyntax SEQUENCE")
        var reader = DERReader(bytes, contentOf: node)
        while !reader.isAtEnd {
            var description = DERReader(bytes, contentOf: try reader.next(DERTag.sequence, "AccessDescription"))
            let method = try description.next(DERTag.oid, "accessMethod")
            let location = try description.next()
            guard location.tag == 0x86 else { continue }
            let url = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[location.range]), as: UTF8.self)
            switch bytes.lastArc(method, after: X509OID.accessMethod) {
            case 1: ocspURLs.append(url)
            case 2: caIssuersURLs.append(url)
            default: break
            }
        }
    }

    private func expect(_ node: DERNode, _ tag: UInt8, _ what: String) throws(CertificateParseError) {
        guard node.tag == tag else {
            throw CertificateParseError(code: .unexpectedTag,
                                        reason: "expected \(what) at offset \(node.headerStart), found tag 0x\(hexByte(node.tag))")
        }
    }
}
