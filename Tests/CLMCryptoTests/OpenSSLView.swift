import Foundation
import CLMTestSupport

/// What `openssl x509 -text` and friends say about a certificate, split into fields.
struct OpenSSLView {
    let text: String
    let lines: [String]

    static let nameOptions = "sep_comma_plus_space,esc_2253,esc_ctrl,utf8,sname"

    init(_ certificate: GeneratedCertificate) async throws {
        try await self.init(pem: certificate.pem)
    }

    init(pem: URL) async throws {
        text = try await TestSupport.openssl(["x509", "-in", pem.path, "-noout", "-text",
                                              "-fingerprint", "-sha256", "-serial", "-startdate", "-enddate",
                                              "-dateopt", "iso_8601", "-subject", "-issuer", "-nameopt", Self.nameOptions])
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The rest of the first unindented line starting with `prefix` ("serial=").
    func topLevel(_ prefix: String) -> String? {
        lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The rest of the first line whose trimmed text starts with `prefix`.
    func field(_ prefix: String) -> String? {
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(prefix) { return String(trimmed.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The value lines under an extension header ("X509v3 Subject Alternative Name"), joined by ", ".
    func extensionValue(_ header: String) -> String? {
        guard let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(header) }) else { return nil }
        let indent = lines[index].prefix { $0 == " " }.count
        var values: [String] = []
        for line in lines[(index + 1)...] {
            guard line.prefix(while: { $0 == " " }).count > indent else { break }
            values.append(line.trimmingCharacters(in: .whitespaces))
        }
        return values.joined(separator: ", ")
    }
}
