internal import COpenSSL

/// A TLS protocol version, named as OpenSSL prints it.
public enum TLSVersion: String, Sendable, Codable, CaseIterable, Comparable, Hashable {
    case tls1_0 = "TLSv1"
    case tls1_1 = "TLSv1.1"
    case tls1_2 = "TLSv1.2"
    case tls1_3 = "TLSv1.3"

    /// `TLS 1.0` ... for people.
    public var displayName: String {
        switch self {
        case .tls1_0: "TLS 1.0"
        case .tls1_1: "TLS 1.1"
        case .tls1_2: "TLS 1.2"
        case .tls1_3: "TLS 1.3"
        }
    }

    /// Whether current clients refuse it (RFC 8996 deprecates 1.0 and 1.1).
    public var isDeprecated: Bool { self < .tls1_2 }

    var wireValue: Int32 {
        switch self {
        case .tls1_0: TLS1_VERSION
        case .tls1_1: TLS1_1_VERSION
        case .tls1_2: TLS1_2_VERSION
        case .tls1_3: TLS1_3_VERSION
        }
    }

    private var order: Int {
        switch self {
        case .tls1_0: 0
        case .tls1_1: 1
        case .tls1_2: 2
        case .tls1_3: 3
        }
    }

    public static func < (lhs: TLSVersion, rhs: TLSVersion) -> Bool { lhs.order < rhs.order }
}
