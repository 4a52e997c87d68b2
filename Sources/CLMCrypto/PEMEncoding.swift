internal import Foundation

/// PEM text for DER, 64 columns, LF line ends.
public enum PEMEncoding {
    public static func certificate(_ der: [UInt8]) -> String { encode(der, label: "CERTIFICATE") }

    public static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }
}
