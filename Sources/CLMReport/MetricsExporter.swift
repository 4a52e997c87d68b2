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
    /// clm's version, for `clm_build_info`.
    public var version: String

    public init(inventory: Inventory, version: String = "unknown") {
        self.inventory = inventory
        self.version = version
    }

    public func render(now: Date) throws(InventoryError) -> String {
        let nowSeconds = now.timeIntervalSince1970
        // Families must be contiguous in the text format: one buffer each.
        var notAfter = Self.family("x509_cert_not_after", "The date after which the certificate expires. Expressed as a Unix Epoch Time.")
        var notBefore = Self.family("x509_cert_not_before", "The date before which the certificate is not valid. Expressed as a Unix Epoch Time.")
        var expired = Self.family("x509_cert_expired", "Indicates if the certificate is currently expired.")
        var expiresIn = Self.family("x509_cert_expires_in_seconds", "Number of seconds before the certificate expires.")
        var certificateCount = 0
        try inventory.metrics.forEachPresentLocation { row in
            certificateCount += 1
            let labels = Self.labels(for: row)
            notAfter.sample("x509_cert_not_after", labels: labels, value: Double(row.notAfter))
            notBefore.sample("x509_cert_not_before", labels: labels, value: Double(row.notBefore))
            expired.sample("x509_cert_expired", labels: labels, value: Double(row.notAfter) < nowSeconds ? 1 : 0)
            expiresIn.sample("x509_cert_expires_in_seconds", labels: labels, value: (Double(row.notAfter) - nowSeconds).rounded(.down))
        }
        let out = notAfter.output + notBefore.output + expired.output + expiresIn.output
        var own = PrometheusText()
        // The exporter's meaning: files that fail to read or parse now, not a count from one scan.
        own.declare("x509_read_errors", type: "gauge", help: "Indicates the number of read failure(s): files whose last reading failed or held nothing usable.")
        own.sample("x509_read_errors", labels: [], value: Double(try inventory.metrics.filesWithReadProblems()))
        try appendSources(to: &own)
        own.declare("clm_build_info", type: "gauge", help: "Constant 1, labelled with the version of clm that serves these metrics.")
        own.sample("clm_build_info", labels: [("version", version)], value: 1)
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

    /// v4's per-source families, one source per scan root: up when its last
    /// scan finished and the root still exists; errors are scan warnings
    /// under that root, by reason.
    private func appendSources(to text: inout PrometheusText) throws(InventoryError) {
        let sources = try inventory.metrics.scanSources()
        text.declare("x509_source_up", type: "gauge", help: "1 if the scan root was last scanned to the end and still exists, 0 otherwise.")
        for source in sources {
            let up = source.lastScanFinished && FileManager.default.fileExists(atPath: source.root)
            text.sample("x509_source_up", labels: [("source_kind", "file"), ("source_name", source.root)], value: up ? 1 : 0)
        }
        text.declare("x509_source_errors_total", type: "counter", help: "Problems met while scanning the root, over all recorded scans, by reason code.")
        for source in sources {
            for (reason, count) in source.errors.sorted(by: { $0.key < $1.key }) {
                text.sample("x509_source_errors_total", labels: [("source_kind", "file"), ("source_name", source.root), ("reason", reason)],
                            value: Double(count))
            }
        }
    }

    /// Renewals, deploys and audit findings, as the stages recorded them.
    private func appendOwnMetrics(to text: inout PrometheusText) throws(InventoryError) {
        let activity = try inventory.metrics.activity()
        for metric in OwnMetric.all {
            text.declare(metric.name, type: metric.type, help: metric.help)
            for (label, value) in metric.samples(activity) {
                text.sample(metric.name, labels: metric.label.map { [($0, label)] } ?? [], value: value)
            }
        }
    }

    /// One label set for every series (as the exporter's v4 does), so panels
    /// that filter or group on `filepath` keep endpoint series: an endpoint's
    /// `filepath` is `tls://HOST:PORT` (plus `?sni=NAME` when SNI differs)
    /// and its `filename` is `HOST:PORT`; files have `endpoint=""`.
    static func labels(for row: CertificateLocationRow) -> [(String, String)] {
        let subject = DistinguishedNameText.exporterFields(row.subject)
        let issuer = DistinguishedNameText.exporterFields(row.issuer)
        var labels: [(String, String)] = []
        switch row.kind {
        case .file:
            labels.append(("endpoint", ""))
            let name = row.ref.split(separator: "/").last.map(String.init) ?? row.ref
            labels.append(("filename", name))
            labels.append(("filepath", row.ref))
        case .endpoint:
            labels.append(("endpoint", row.ref))
            let parts = row.ref.split(separator: " ", maxSplits: 1)
            let address = parts.first.map(String.init) ?? row.ref
            let sni = parts.count > 1 ? parts[1].replacingOccurrences(of: "sni=", with: "") : nil
            labels.append(("filename", address))
            labels.append(("filepath", "tls://\(address)" + (sni.map { "?sni=\($0)" } ?? "")))
        }
        // A shared inventory's series say which host holds the certificate.
        if let host = row.host { labels.append(("host", host)) }
        for key in ["C", "CN", "L", "O", "OU", "ST"] {
            labels.append(("issuer_\(key)", issuer[key] ?? ""))
        }
        // clm's addition: lets rules leave out system trust-store roots (role!="trust-store").
        labels.append(("role", row.role.rawValue))
        labels.append(("serial_number", SerialNumber.decimal(fromHex: row.serial)))
        for key in ["C", "CN", "L", "O", "OU", "ST"] {
            labels.append(("subject_\(key)", subject[key] ?? ""))
        }
        return labels
    }
}

/// Certificate serial numbers as Go's `big.Int.String()` writes them.
enum SerialNumber {
    /// Decimal of the serial given as hex (the inventory's form). The
    /// inventory strips DER's leading 00, so the value is read as unsigned:
    /// positive serials with the high bit set are common, negative ones are
    /// forbidden by RFC 5280 and refused by Go's parser since 1.23.
    static func decimal(fromHex hex: String) -> String {
        var bytes: [UInt8] = []
        var digits = Array(hex.utf8)
        if digits.count % 2 == 1 { digits.insert(UInt8(ascii: "0"), at: 0) }
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return hex }
            bytes.append(high << 4 | low)
            index += 2
        }
        // Repeated division by 10 over the big-endian bytes.
        var magnitude = Array(bytes.drop { $0 == 0 })
        var result: [UInt8] = []
        while !magnitude.isEmpty {
            var remainder = 0
            var quotient: [UInt8] = []
            for byte in magnitude {
                let value = remainder << 8 | Int(byte)
                let digit = value / 10
                remainder = value % 10
                if !quotient.isEmpty || digit != 0 { quotient.append(UInt8(digit)) }
            }
            result.append(UInt8(ascii: "0") + UInt8(remainder))
            magnitude = quotient
        }
        return result.isEmpty ? "0" : String(decoding: result.reversed(), as: UTF8.self)
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// clm's own series, each from the inventory's record of what clm did.
struct OwnMetric {
    let name: String
    let type: String
    let help: String
    let label: String?
    /// (label value, sample) pairs; the label value is unused when `label` is nil.
    let samples: @Sendable (InventoryActivity) -> [(String, Double)]

    static let severities = ["critical", "high", "medium", "low", "info"]

    static let all: [OwnMetric] = [
        OwnMetric(name: "clm_renewals_total", type: "counter", help: "Certificate renewals and deploys run by `clm renew`, by result.",
                  label: "result", samples: { counts($0.renewalsByResult) }),
        OwnMetric(name: "clm_deploys_total", type: "counter", help: "Deploys and rollbacks per target, by outcome.",
                  label: "result", samples: { counts($0.deploysByOutcome) }),
        OwnMetric(name: "clm_last_successful_renew_timestamp_seconds", type: "gauge",
                  help: "When a renewal last succeeded (Unix time).", label: nil,
                  samples: { [("last", Double($0.lastSuccessfulRenewal ?? 0))] }),
        OwnMetric(name: "clm_audit_findings", type: "gauge", help: "Findings of the last audit by severity.", label: "severity",
                  samples: { activity in
                      guard let findings = activity.lastAuditFindings else { return [] }
                      return severities.map { ($0, Double(findings[$0] ?? 0)) }
                  }),
        OwnMetric(name: "clm_last_audit_timestamp_seconds", type: "gauge", help: "When clm audit last ran (Unix time).",
                  label: nil, samples: { [("last", Double($0.lastAudit ?? 0))] }),
    ]

    /// Counts by label, in label order (as the series always came out).
    private static func counts(_ byLabel: [String: Int]) -> [(String, Double)] {
        byLabel.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) }
    }
}
