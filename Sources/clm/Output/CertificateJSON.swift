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
        let firstSeen: String
        let lastSeen: String
        let goneSince: String?
        /// On a whole-fleet read only (`--all-hosts`): absent otherwise.
        let host: String?

        enum CodingKeys: String, CodingKey {
            case kind, ref, position, host
            case firstSeen = "first_seen", lastSeen = "last_seen", goneSince = "gone_since"
        }
    }

    struct Key: Encodable {
        let path: String
        let format: String
        let encrypted: Bool
        let keyAlgorithm: String?
        let keyBits: Int?
        let ownerUID: UInt32
        let ownerGID: UInt32
        let mode: String
        /// On a whole-fleet read only (`--all-hosts`): absent otherwise.
        let host: String?

        enum CodingKeys: String, CodingKey {
            case path, format, encrypted, mode, host
            case keyAlgorithm = "key_algorithm", keyBits = "key_bits", ownerUID = "owner_uid", ownerGID = "owner_gid"
        }
    }

    let id: Int64
    let fingerprintSHA256: String
    let subject: String
    let subjectCN: String?
    let issuer: String
    let issuerCN: String?
    let serial: String
    let notBefore: String
    let notAfter: String
    let daysLeft: Int
    let sans: SANs
    let keyAlgorithm: String
    let keyBits: Int?
    let keyCurve: String?
    let signatureAlgorithm: String
    let isCA: Bool
    let selfSigned: Bool
    let spkiSHA256: String
    let authorityKeyID: String?
    let subjectKeyID: String?
    let locationCount: Int
    let firstSeen: String
    let lastSeen: String
    /// Present in `inventory show` only.
    let locations: [Location]?
    /// The nginx/HAProxy sites that load the certificate from one of its files, with their role.
    let sites: [Site]?
    let privateKeys: [Key]?
    let pem: String?

    struct Site: Encodable {
        let server: String
        let config: String
        let role: String
        let roleDetail: String?
        let names: [String]
        let listen: [String]
        let certificate: String?
        let key: String?

        enum CodingKeys: String, CodingKey {
            case server, config, role, names, listen, certificate, key
            case roleDetail = "role_detail"
        }
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
        fingerprintSHA256 = facts.fingerprintSHA256
        subject = facts.subject
        subjectCN = facts.subjectCN
        issuer = facts.issuer
        issuerCN = facts.issuerCN
        serial = facts.serial
        notBefore = Timestamp.rfc3339(facts.notBefore)
        notAfter = Timestamp.rfc3339(facts.notAfter)
        daysLeft = Timestamp.daysLeft(notAfter: facts.notAfter, now: now)
        self.sans = sans
        keyAlgorithm = facts.keyAlgorithm
        keyBits = facts.keyBits
        keyCurve = facts.keyCurve
        signatureAlgorithm = facts.signatureAlgorithm
        isCA = facts.isCA
        selfSigned = facts.isSelfSigned
        spkiSHA256 = facts.spkiSHA256
        authorityKeyID = facts.authorityKeyID
        subjectKeyID = facts.subjectKeyID
        locationCount = certificate.activeLocationCount
        firstSeen = Timestamp.rfc3339(certificate.firstSeen)
        lastSeen = Timestamp.rfc3339(certificate.lastSeen)
        locations = detailed ? certificate.locations.map {
            Location(kind: $0.kind.rawValue, ref: $0.ref, position: $0.position, firstSeen: Timestamp.rfc3339($0.firstSeen),
                     lastSeen: Timestamp.rfc3339($0.lastSeen), goneSince: $0.goneSince.map(Timestamp.rfc3339), host: $0.host)
        } : nil
        self.sites = detailed ? sites.map {
            Site(server: $0.source, config: "\($0.configFile):\($0.configLine)", role: $0.role, roleDetail: $0.roleDetail,
                 names: $0.serverNames, listen: $0.listen, certificate: $0.certificatePath, key: $0.keyPath)
        } : nil
        privateKeys = detailed ? certificate.privateKeys.map {
            Key(path: $0.path, format: $0.format, encrypted: $0.encrypted, keyAlgorithm: $0.keyAlgorithm, keyBits: $0.keyBits,
                ownerUID: $0.ownerUID, ownerGID: $0.ownerGID, mode: String(format: "%04o", $0.mode), host: $0.host)
        } : nil
        pem = detailed ? PEMEncoding.certificate(facts.der) : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, subject, issuer, serial, sans, locations, sites, pem
        case fingerprintSHA256 = "fingerprint_sha256", subjectCN = "subject_cn", issuerCN = "issuer_cn", notBefore = "not_before"
        case notAfter = "not_after", daysLeft = "days_left", keyAlgorithm = "key_algorithm", keyBits = "key_bits", keyCurve = "key_curve"
        case signatureAlgorithm = "signature_algorithm", isCA = "is_ca", selfSigned = "self_signed", spkiSHA256 = "spki_sha256"
        case authorityKeyID = "authority_key_id", subjectKeyID = "subject_key_id", locationCount = "location_count"
        case firstSeen = "first_seen", lastSeen = "last_seen", privateKeys = "private_keys"
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
