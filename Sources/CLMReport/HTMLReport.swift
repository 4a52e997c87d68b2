public import CLMInventory
public import Foundation
public import CLMCore

/// One self-contained HTML page: no scripts, styles or images fetched from
/// anywhere. The expiry timeline is inline SVG, drawn by the browser.
public struct HTMLReport {
    /// What renews next (filled from the managed certificates).
    public struct Renewal: Sendable {
        public var name: String
        public var domains: [String]
        public var dueAt: Date
        public init(name: String, domains: [String], dueAt: Date) {
            self.name = name
            self.domains = domains
            self.dueAt = dueAt
        }
    }

    public var title = "clm certificate report"
    public var certificates: [InventoryCertificate]
    public var findings: [Finding]
    public var renewals: [Renewal]
    public var now: Date
    /// Each certificate's role by inventory id (``MetricsStore/certificateRoles()``); absent means leaf.
    public var roles: [Int64: Inventory.AuditRole]
    /// When the data the findings judge was taken.
    public var freshness: InventoryFreshness

    public init(certificates: [InventoryCertificate], findings: [Finding] = [], renewals: [Renewal] = [], now: Date,
                roles: [Int64: Inventory.AuditRole] = [:], freshness: InventoryFreshness = InventoryFreshness()) {
        self.certificates = certificates
        self.findings = findings
        self.renewals = renewals
        self.now = now
        self.roles = roles
        self.freshness = freshness
    }

    func role(of certificate: InventoryCertificate) -> Inventory.AuditRole { roles[certificate.id] ?? .leaf }

    /// The certificates sites use, and the system trust store's, kept apart:
    /// 145 public roots must not drown the handful that matter.
    var ownCertificates: [InventoryCertificate] { certificates.filter { role(of: $0) != .trustStore } }
    var trustStoreCertificates: [InventoryCertificate] { certificates.filter { role(of: $0) == .trustStore } }

    /// Buckets of the timeline: label and upper bound in weeks (exclusive).
    static let buckets: [(label: String, maxWeeks: Int)] = [
        ("expired", 0), ("< 1 w", 1), ("1–2 w", 2), ("2–4 w", 4), ("4–8 w", 8), ("8–13 w", 13), ("13–26 w", 26), ("26–52 w", 52), ("> 52 w", Int.max),
    ]

    /// Certificates per timeline bucket, soonest first (trust-store roots
    /// only when `trustStore` is true, else everything else).
    public func timeline(trustStore: Bool = false) -> [(label: String, count: Int)] {
        var counts = Array(repeating: 0, count: Self.buckets.count)
        for certificate in trustStore ? trustStoreCertificates : ownCertificates {
            let weeks = (Double(certificate.facts.notAfter) - now.timeIntervalSince1970) / 604_800
            let index = weeks < 0 ? 0 : Self.buckets.firstIndex { Double($0.maxWeeks) > weeks && $0.maxWeeks > 0 } ?? Self.buckets.count - 1
            counts[index] += 1
        }
        return zip(Self.buckets, counts).map { ($0.label, $1) }
    }

    public func render() -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
            h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
            table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#f4f4f4}.expired{color:#b00020;font-weight:bold}.soon{color:#a15c00}
            .notyet{color:#6a1b9a;font-weight:bold}
            .sev-critical,.sev-high{color:#b00020}.sev-medium{color:#a15c00}.muted{color:#777}
            .nowrap{white-space:nowrap}code{font-size:12px}
            svg text{font:12px system-ui,sans-serif}
            </style></head><body>
            <h1>\(escape(title))</h1>
            <p class="muted">Generated \(escape(Self.iso(now))) — \(ownCertificates.count) certificates in use, \(trustStoreCertificates.count) in the system trust store.</p>
            \(renderFreshness())

            """
        html += renderTimeline(id: "timeline", heading: "Expiry timeline (certificates by weeks left)", data: timeline())
        html += renderFindings()
        html += renderRenewals()
        html += renderCertificates(ownCertificates, id: "certificates", heading: "Certificates")
        if !trustStoreCertificates.isEmpty {
            html += "<h2>System trust store (\(trustStoreCertificates.count))</h2>\n"
            html += "<p class=\"muted\">CA certificates found only in the operating system's trust store. Shown apart; an expiring one is a low-severity finding (CLM119).</p>\n"
            html += renderTimeline(id: "trust-store-timeline", heading: nil, data: timeline(trustStore: true))
            html += "<details><summary>Show the \(trustStoreCertificates.count) trust-store certificates</summary>\n"
            html += renderCertificates(trustStoreCertificates, id: "trust-store", heading: nil)
            html += "</details>\n"
        }
        html += "</body></html>\n"
        return html
    }

    /// When the inventory's data was taken: the findings judge that, not the moment the page was written.
    private func renderFreshness() -> String {
        func time(_ seconds: Int64?) -> String {
            seconds.map { escape(Self.iso(Date(timeIntervalSince1970: TimeInterval($0)))) } ?? "never"
        }
        return "<p id=\"freshness\" class=\"muted\">Audit data taken: files last scanned \(time(freshness.lastFileScan)), "
            + "endpoints last probed \(time(freshness.lastEndpointProbe)); findings evaluated \(escape(Self.iso(now))) against that data"
            + (freshness.lastAudit.map { "; last <code>clm audit</code> run \(time($0))" } ?? "") + ".</p>"
    }

    private func renderTimeline(id: String, heading: String?, data: [(label: String, count: Int)]) -> String {
        let maxCount = max(data.map(\.count).max() ?? 0, 1)
        let barWidth = 70, gap = 12, height = 200, top = 20, bottom = 40
        let width = data.count * (barWidth + gap) + gap
        var svg = heading.map { "<h2>\(escape($0))</h2>\n" } ?? ""
        svg += "<svg id=\"\(id)\" role=\"img\" aria-label=\"certificates by weeks left\" width=\"\(width)\" height=\"\(height + top + bottom)\" viewBox=\"0 0 \(width) \(height + top + bottom)\">\n"
        for (index, bucket) in data.enumerated() {
            let barHeight = bucket.count == 0 ? 0 : max(2, bucket.count * height / maxCount)
            let x = gap + index * (barWidth + gap)
            let y = top + height - barHeight
            let color = index == 0 ? "#b00020" : index <= 3 ? "#e08a00" : "#2e7d32"
            svg += "<rect class=\"bar\" data-bucket=\"\(escape(bucket.label))\" data-count=\"\(bucket.count)\" x=\"\(x)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"\(barHeight)\" fill=\"\(color)\"><title>\(escape(bucket.label)): \(bucket.count)</title></rect>\n"
            svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(y - 4)\" text-anchor=\"middle\">\(bucket.count)</text>\n"
            svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(top + height + 16)\" text-anchor=\"middle\">\(escape(bucket.label))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    private func renderFindings() -> String {
        var html = "<h2>Findings (\(findings.count))</h2>\n"
        guard !findings.isEmpty else { return html + "<p class=\"muted\">No findings (run <code>clm audit</code> to judge the inventory against a policy).</p>\n" }
        html += "<table id=\"findings\"><tr><th>Severity</th><th>Rule</th><th>Subject</th><th>Finding</th></tr>\n"
        for finding in findings {
            let severity = escape(finding.severity.rawValue)
            let subject = finding.placeText.map { "\(finding.subject) (\($0))" } ?? finding.subject
            html += "<tr><td class=\"sev-\(severity)\">\(severity)</td><td>\(escape(finding.code))</td><td>\(escape(subject))</td><td>\(escape(finding.message))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private func renderRenewals() -> String {
        var html = "<h2>Renews next</h2>\n"
        guard !renewals.isEmpty else { return html + "<p class=\"muted\">No managed certificates.</p>\n" }
        html += "<table id=\"renewals\"><tr><th>Name</th><th>Domains</th><th>Due</th></tr>\n"
        for renewal in renewals.sorted(by: { $0.dueAt < $1.dueAt }) {
            html += "<tr><td>\(escape(renewal.name))</td><td>\(escape(renewal.domains.joined(separator: ", ")))</td><td>\(escape(Self.iso(renewal.dueAt)))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// ID and fingerprint as `clm inventory show` takes them, role, validity, names, issuer, key, locations.
    private func renderCertificates(_ list: [InventoryCertificate], id: String, heading: String?) -> String {
        var html = heading.map { "<h2>\(escape($0)) (\(list.count))</h2>\n" } ?? ""
        html += "<table id=\"\(id)\"><tr><th>ID</th><th>Fingerprint (SHA-256)</th><th>Role</th><th>Days left</th><th>Subject / names</th><th>Issuer</th><th>Key</th><th>Locations</th></tr>\n"
        for certificate in list {
            let facts = certificate.facts
            let nowSeconds = now.timeIntervalSince1970
            let days = Int(((Double(facts.notAfter) - nowSeconds) / 86_400).rounded(.down))
            let notYetValid = Double(facts.notBefore) > nowSeconds
            let cls = notYetValid ? "notyet" : days < 0 ? "expired" : days < 30 ? "soon" : ""
            let validity = notYetValid
                ? "not yet valid<br><span class=\"nowrap\">from \(escape(Self.day(facts.notBefore)))</span>"
                : String(days)
            let names = facts.subjectAlternativeNames.map(\.value)
            let subject = facts.subjectCN ?? DistinguishedNameText.readable(facts.subject)
            let label = ([subject] + names.filter { $0 != facts.subjectCN }).joined(separator: ", ")
            let issuer = facts.issuerCN ?? DistinguishedNameText.readable(facts.issuer)
            let locations = certificate.locations.filter { $0.goneSince == nil }.map { location in
                HostLabel.prefix(location.host) + "\(location.kind.rawValue): \(location.ref)"
            }
            let fingerprint = facts.fingerprintSHA256
            html += "<tr class=\"role-\(role(of: certificate).rawValue)\"><td>\(certificate.id)</td>"
            html += "<td><code title=\"\(escape(fingerprint))\">\(escape(String(fingerprint.prefix(16))))</code></td>"
            html += "<td class=\"nowrap\">\(escape(role(of: certificate).label))</td>"
            html += "<td class=\"\(cls)\">\(validity)</td><td>\(escape(label))</td><td>\(escape(issuer))</td>"
            html += "<td class=\"nowrap\">\(escape(facts.keyDescription))</td><td>\(locations.map(escape).joined(separator: "<br>"))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private func escape(_ text: String) -> String {
        SafeText.escaped(text.displaySafe, ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"])
    }

    /// "2026-12-04" for Unix seconds (UTC).
    static func day(_ seconds: Int64) -> String {
        String(iso(Date(timeIntervalSince1970: TimeInterval(seconds))).prefix(10))
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
