public import CLMInventory
public import Foundation

/// Prometheus metrics from the inventory, named and labelled like
/// x509-certificate-exporter (so its dashboards and alerts work unchanged),
/// plus clm's own renewal, deploy and audit figures.
///
/// One series per certificate per location: `filepath`/`filename` for
/// files, `endpoint` for TLS endpoints.
public struct MetricsExporter {
    public let inventory: Inventory

    public init(inventory: Inventory) { self.inventory = inventory }

    public func render(now: Date) throws(InventoryError) -> String {
        let nowSeconds = now.timeIntervalSince1970
        // Families must be contiguous in the text format: one buffer each.
        var notAfter = Self.family("x509_cert_not_after", "The date after which the certificate expires. Expressed as a Unix Epoch Time.")
        var notBefore = Self.family("x509_cert_not_before", "The date before which the certificate is not valid. Expressed as a Unix Epoch Time.")
        var expired = Self.family("x509_cert_expired", "Indicates if the certificate is currently expired.")
        var expiresIn = Self.family("x509_cert_expires_in_seconds", "Number of seconds before the certificate expires.")
        var certificateCount = 0
        try inventory.forEachPresentLocation { row in
            certificateCount += 1
            let labels = Self.labels(for: row)
            notAfter.sample("x509_cert_not_after", labels: labels, value: Double(row.notAfter))
            notBefore.sample("x509_cert_not_before", labels: labels, value: Double(row.notBefore))
            expired.sample("x509_cert_expired", labels: labels, value: Double(row.notAfter) < nowSeconds ? 1 : 0)
            expiresIn.sample("x509_cert_expires_in_seconds", labels: labels, value: (Double(row.notAfter) - nowSeconds).rounded(.down))
        }
        let out = notAfter.output + notBefore.output + expired.output + expiresIn.output
        var own = PrometheusText()
        own.declare("x509_read_errors", type: "gauge", help: "Indicates the number of read failure(s) in the last scan.")
        let readErrors = try inventory.labelledCounts("SELECT 'warnings', coalesce((SELECT warning_count FROM scan ORDER BY id DESC LIMIT 1), 0)")
        own.sample("x509_read_errors", labels: [], value: readErrors.first?.1 ?? 0)
        own.declare("clm_inventory_certificates", type: "gauge", help: "Certificate locations present in the inventory.")
        own.sample("clm_inventory_certificates", labels: [], value: Double(certificateCount))
        try appendOwnMetrics(to: &own)
        return out + own.output
    }

    private static func family(_ name: String, _ help: String) -> PrometheusText {
        var text = PrometheusText()
        text.declare(name, type: "gauge", help: help)
        return text
    }

    /// Renewals, deploys and audit findings, from the tables of the stages
    /// that record them (absent tables simply give no series).
    private func appendOwnMetrics(to text: inout PrometheusText) throws(InventoryError) {
        for metric in OwnMetric.all where try inventory.hasTable(metric.table) {
            text.declare(metric.name, type: metric.type, help: metric.help)
            for (label, value) in (try? inventory.labelledCounts(metric.sql)) ?? [] {
                text.sample(metric.name, labels: metric.label.map { [($0, label)] } ?? [], value: value)
            }
        }
    }

    static func labels(for row: CertificateLocationRow) -> [(String, String)] {
        let subject = DistinguishedNameText.attributes(row.subject)
        let issuer = DistinguishedNameText.attributes(row.issuer)
        var labels: [(String, String)] = []
        switch row.kind {
        case .file:
            let name = row.ref.split(separator: "/").last.map(String.init) ?? row.ref
            labels.append(("filename", name))
            labels.append(("filepath", row.ref))
        case .endpoint:
            labels.append(("endpoint", row.ref))
        }
        for key in ["C", "CN", "L", "O", "OU", "ST"] {
            labels.append(("issuer_\(key)", issuer[key] ?? ""))
        }
        labels.append(("serial_number", row.serial))
        for key in ["C", "CN", "L", "O", "OU", "ST"] {
            labels.append(("subject_\(key)", subject[key] ?? ""))
        }
        return labels
    }
}

/// clm's own series, each from one aggregate query over a stage's table.
struct OwnMetric {
    let name: String
    let type: String
    let help: String
    let table: String
    let label: String?
    let sql: String

    static let all: [OwnMetric] = [
        OwnMetric(name: "clm_renewals_total", type: "counter", help: "Certificate renewals and deploys run by `clm renew`, by result.",
                  table: "renewal_run", label: "result", sql: "SELECT result, count(*) FROM renewal_run GROUP BY result"),
        OwnMetric(name: "clm_deploys_total", type: "counter", help: "Deploys and rollbacks per target, by outcome.", table: "deploy_run",
                  label: "result", sql: "SELECT outcome, count(*) FROM deploy_run GROUP BY outcome"),
        OwnMetric(name: "clm_last_successful_renew_timestamp_seconds", type: "gauge",
                  help: "When a renewal last succeeded (Unix time).", table: "renewal_run", label: nil,
                  sql: "SELECT 'last', coalesce(max(finished_at), 0) FROM renewal_run WHERE result = 'success'"),
        OwnMetric(name: "clm_audit_findings", type: "gauge", help: "Findings of the last audit by severity.",
                  table: "audit_run", label: "severity",
                  sql: """
                      SELECT 'critical', critical FROM (SELECT * FROM audit_run ORDER BY id DESC LIMIT 1)
                      UNION ALL SELECT 'high', high FROM (SELECT * FROM audit_run ORDER BY id DESC LIMIT 1)
                      UNION ALL SELECT 'medium', medium FROM (SELECT * FROM audit_run ORDER BY id DESC LIMIT 1)
                      UNION ALL SELECT 'low', low FROM (SELECT * FROM audit_run ORDER BY id DESC LIMIT 1)
                      UNION ALL SELECT 'info', info FROM (SELECT * FROM audit_run ORDER BY id DESC LIMIT 1)
                      """),
        OwnMetric(name: "clm_last_audit_timestamp_seconds", type: "gauge", help: "When clm audit last ran (Unix time).",
                  table: "audit_run", label: nil, sql: "SELECT 'last', coalesce(max(ran_at), 0) FROM audit_run"),
    ]
}

/// Attribute lookup in the inventory's `C=US, O=Example, CN=host` names.
enum DistinguishedNameText {
    static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var current = ""
        var escaped = false
        var parts: [String] = []
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        for part in parts {
            let trimmed = part.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = String(trimmed[..<equals]).trimmingCharacters(in: .whitespaces)
            let value = String(trimmed[trimmed.index(after: equals)...])
            result[key] = value  // the last one wins, as with OpenSSL's CN lookup
        }
        return result
    }
}
