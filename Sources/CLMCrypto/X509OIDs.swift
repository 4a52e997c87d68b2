/// Object identifiers the certificate reader recognises, as DER content bytes.
///
/// Most families share a prefix and differ in the last byte (2.5.4.N for
/// name attributes, 2.5.29.N for extensions, 1.3.6.1.5.5.7.X.N for PKIX), so
/// lookups compare a prefix and switch on one byte instead of building a
/// dotted string for every OID seen.
enum X509OID {
    static let attributeType: [UInt8] = [0x55, 0x04]                                       // 2.5.4
    static let certificateExtension: [UInt8] = [0x55, 0x1D]                                // 2.5.29
    static let pkixExtension: [UInt8] = [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01]         // 1.3.6.1.5.5.7.1
    static let keyPurpose: [UInt8] = [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03]            // 1.3.6.1.5.5.7.3
    static let accessMethod: [UInt8] = [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30]          // 1.3.6.1.5.5.7.48
    static let pkcs1: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01]           // 1.2.840.113549.1.1
    static let ecdsaSHA2: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03]             // 1.2.840.10045.4.3
    static let nistHash: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02]        // 2.16.840.1.101.3.4.2
    static let nistSignature: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03]   // 2.16.840.1.101.3.4.3
    static let certicomCurve: [UInt8] = [0x2B, 0x81, 0x04, 0x00]                            // 1.3.132.0
    static let edwards: [UInt8] = [0x2B, 0x65]                                               // 1.3.101
    static let evJurisdiction: [UInt8] = [0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3C, 0x02, 0x01] // 1.3.6.1.4.1.311.60.2.1

    static let ecPublicKey: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    static let dsa: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01]
    static let dsaWithSHA1: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x03]
    static let ecdsaWithSHA1: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01]
    static let prime256v1: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    static let sha1: [UInt8] = [0x2B, 0x0E, 0x03, 0x02, 0x1A]
    static let sha1WithRSAOld: [UInt8] = [0x2B, 0x0E, 0x03, 0x02, 0x1D]
    static let md5: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x05]
    static let md2: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x02]
    static let md4: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x04]
    static let emailAddress: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01]
    static let domainComponent: [UInt8] = [0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x19]
    static let userID: [UInt8] = [0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x01]
    static let anyExtendedKeyUsage: [UInt8] = [0x55, 0x1D, 0x25, 0x00]
}

extension UnsafeRawBufferPointer {
    /// The last byte of `node`'s content when the content is `prefix` plus
    /// exactly one byte below 0x80; nil otherwise.
    func lastArc(_ node: DERNode, after prefix: [UInt8]) -> UInt8? {
        guard node.count == prefix.count + 1 else { return nil }
        var index = 0
        while index < prefix.count {
            if self[node.start + index] != prefix[index] { return nil }
            index += 1
        }
        let last = self[node.end - 1]
        return last < 0x80 ? last : nil
    }

    /// OpenSSL's short name for a name attribute type (CN, O, C…), or the dotted OID.
    func attributeTypeName(_ node: DERNode) -> String {
        if let arc = lastArc(node, after: X509OID.attributeType) {
            switch arc {
            case 3: return "CN"
            case 4: return "SN"
            case 5: return "serialNumber"
            case 6: return "C"
            case 7: return "L"
            case 8: return "ST"
            case 9: return "street"
            case 10: return "O"
            case 11: return "OU"
            case 12: return "title"
            case 13: return "description"
            case 15: return "businessCategory"
            case 17: return "postalCode"
            case 41: return "name"
            case 42: return "GN"
            case 43: return "initials"
            case 44: return "generationQualifier"
            case 46: return "dnQualifier"
            case 65: return "pseudonym"
            case 97: return "organizationIdentifier"
            default: break
            }
        }
        if contentEquals(node, X509OID.emailAddress) { return "emailAddress" }
        if contentEquals(node, X509OID.domainComponent) { return "DC" }
        if contentEquals(node, X509OID.userID) { return "UID" }
        if let arc = lastArc(node, after: X509OID.evJurisdiction) {
            switch arc {
            case 1: return "jurisdictionL"
            case 2: return "jurisdictionST"
            case 3: return "jurisdictionC"
            default: break
            }
        }
        return oidString(node)
    }

    /// OpenSSL's short name for an extended key usage, or the dotted OID.
    func keyPurposeName(_ node: DERNode) -> String {
        if let arc = lastArc(node, after: X509OID.keyPurpose) {
            switch arc {
            case 1: return "serverAuth"
            case 2: return "clientAuth"
            case 3: return "codeSigning"
            case 4: return "emailProtection"
            case 5: return "ipsecEndSystem"
            case 6: return "ipsecTunnel"
            case 7: return "ipsecUser"
            case 8: return "timeStamping"
            case 9: return "OCSPSigning"
            case 17: return "ipsecIKE"
            default: break
            }
        }
        if contentEquals(node, X509OID.anyExtendedKeyUsage) { return "anyExtendedKeyUsage" }
        return oidString(node)
    }

    /// Whether a hash AlgorithmIdentifier's OID names MD2, MD4, MD5 or SHA-1.
    func isWeakHash(_ node: DERNode) -> Bool {
        contentEquals(node, X509OID.sha1) || contentEquals(node, X509OID.md5)
            || contentEquals(node, X509OID.md2) || contentEquals(node, X509OID.md4)
    }
}
