import CLMCrypto
import CLMInventory
import Foundation

/// The documented JSON shape of a certificate (docs/inventory-formats.md).
/// Field names are snake_case and stable; times are RFC 3339 UTC.
struct CertificateJSON: Encodable {
    struct SANs: Encodable {
        var dns: [String] = []
        var ip: [String] = []
        var email: [String] = []
        var uri: [String] = []
    }

    struct Location: Encodable {
        let kind: String
        let ref: String
        let position: Int
        let first_seen: String
        let last_seen: String
        let gone_since: String?
    }

    struct Key: Encodable {
        let path: String
        let format: String
        let encrypted: Bool
        let key_algorithm: String?
        let key_bits: Int?
        let owner_uid: UInt32
        let owner_gid: UInt32
        let mode: String
    }

    let id: Int64
    let fingerprint_sha256: String
    let subject: String
    let subject_cn: String?
    let issuer: String
    let issuer_cn: String?
    let serial: String
    let not_before: String
    let not_after: String
    let days_left: Int
    let sans: SANs
    let key_algorithm: String
    let key_bits: Int?
    let key_curve: String?
    let signature_algorithm: String
    let is_ca: Bool
    let self_signed: Bool
    let spki_sha256: String
    let authority_key_id: String?
    let subject_key_id: String?
    let location_count: Int
    let first_seen: String
    let last_seen: String
    /// Present in `inventory show` only.
    let locations: [Location]?
    /// The nginx/HAProxy sites that load the certificate from one of its files, with their role.
    let sites: [Site]?
    let private_keys: [Key]?
    let pem: String?

    struct Site: Encodable {
        let server: String
        let config: String
        let role: String
        let role_detail: String?
        let names: [String]
        let listen: [String]
        let certificate: String?
        let key: String?
    }

    init(_ certificate: InventoryCertificate, now: Date, detailed: Bool, sites: [SiteRecord] = []) {
        let facts = certificate.facts
        var sans = SANs()
        for name in facts.subjectAlternativeNames {
            switch name.kind {
            case .dns: sans.dns.append(name.value)
            case .ip: sans.ip.append(name.value)
            case .email: sans.email.append(name.value)
            case .uri, .other: sans.uri.append(name.value)
            }
        }
        id = certificate.id
        fingerprint_sha256 = facts.fingerprintSHA256
        subject = facts.subject
        subject_cn = facts.subjectCN
        issuer = facts.issuer
        issuer_cn = facts.issuerCN
        serial = facts.serial
        not_before = Timestamp.rfc3339(facts.notBefore)
        not_after = Timestamp.rfc3339(facts.notAfter)
        days_left = Timestamp.daysLeft(notAfter: facts.notAfter, now: now)
        self.sans = sans
        key_algorithm = facts.keyAlgorithm
        key_bits = facts.keyBits
        key_curve = facts.keyCurve
        signature_algorithm = facts.signatureAlgorithm
        is_ca = facts.isCA
        self_signed = facts.isSelfSigned
        spki_sha256 = facts.spkiSHA256
        authority_key_id = facts.authorityKeyID
        subject_key_id = facts.subjectKeyID
        location_count = certificate.activeLocationCount
        first_seen = Timestamp.rfc3339(certificate.firstSeen)
        last_seen = Timestamp.rfc3339(certificate.lastSeen)
        locations = detailed ? certificate.locations.map {
            Location(kind: $0.kind.rawValue, ref: $0.ref, position: $0.position, first_seen: Timestamp.rfc3339($0.firstSeen),
                     last_seen: Timestamp.rfc3339($0.lastSeen), gone_since: $0.goneSince.map(Timestamp.rfc3339))
        } : nil
        self.sites = detailed ? sites.map {
            Site(server: $0.source, config: "\($0.configFile):\($0.configLine)", role: $0.role, role_detail: $0.roleDetail,
                 names: $0.serverNames, listen: $0.listen, certificate: $0.certificatePath, key: $0.keyPath)
        } : nil
        private_keys = detailed ? certificate.privateKeys.map {
            Key(path: $0.path, format: $0.format, encrypted: $0.encrypted, key_algorithm: $0.keyAlgorithm, key_bits: $0.keyBits,
                owner_uid: $0.ownerUID, owner_gid: $0.ownerGID, mode: String(format: "%04o", $0.mode))
        } : nil
        pem = detailed ? PEMEncoding.certificate(facts.der) : nil
    }
}

enum Timestamp {
    /// `2026-11-29T12:00:00Z`.
    static func rfc3339(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// Whole days until `notAfter`, rounded down: negative once expired.
    static func daysLeft(notAfter: Int64, now: Date) -> Int {
        Int(((Double(notAfter) - now.timeIntervalSince1970) / 86_400).rounded(.down))
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
