public import CLMCrypto
public import CLMInventory
internal import Foundation

extension CertificateFacts {
    /// The inventory's view of a parsed certificate.
    public init(_ info: CertificateInfo) {
        let names: [SubjectAlternativeName] = info.subjectAlternativeNames.map { name in
            switch name {
            case .dns(let value): return SubjectAlternativeName(kind: .dns, value: value)
            case .ip(let value): return SubjectAlternativeName(kind: .ip, value: value)
            case .email(let value): return SubjectAlternativeName(kind: .email, value: value)
            case .uri(let value): return SubjectAlternativeName(kind: .uri, value: value)
            case .other(let value): return SubjectAlternativeName(kind: .other, value: value)
            }
        }
        self.init(
            fingerprintSHA256: info.fingerprintSHA256, subject: info.subject.description, subjectCN: info.subject.commonName,
            issuer: info.issuer.description, issuerCN: info.issuer.commonName, serial: info.serialHex,
            notBefore: Int64(info.notBefore.timeIntervalSince1970.rounded(.down)),
            notAfter: Int64(info.notAfter.timeIntervalSince1970.rounded(.down)),
            subjectAlternativeNames: names, keyAlgorithm: info.publicKey.algorithm.name, keyBits: info.publicKey.algorithm.bits,
            keyCurve: info.publicKey.algorithm.curve, signatureAlgorithm: info.signatureAlgorithm.name, isCA: info.isCA,
            isSelfSigned: info.isSelfSigned, spkiSHA256: info.publicKey.spkiSHA256, authorityKeyID: info.authorityKeyIdentifier,
            subjectKeyID: info.subjectKeyIdentifier, der: info.der)
    }
}

