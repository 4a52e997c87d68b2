public import CLMInventory
public import Foundation

/// One self-contained HTML page: no scripts, styles or images fetched from
/// anywhere. The expiry timeline is inline SVG, drawn by the browser.
public struct HTMLReport {
    /// A finding line for the findings table (filled from `clm audit`).
    public struct Finding: Sendable {
        public var severity: String
        public var code: String
        public var subject: String
        public var message: String
        public init(severity: String, code: String, subject: String, message: String) {
            self.severity = severity
            self.code = code
            self.subject = subject
            self.message = message
        }
    }

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

    public init(certificates: [InventoryCertificate], findings: [Finding] = [], renewals: [Renewal] = [], now: Date) {
        self.certificates = certificates
        self.findings = findings
        self.renewals = renewals
        self.now = now
    }

    /// Buckets of the timeline: label and upper bound in weeks (exclusive).
    static let buckets: [(label: String, maxWeeks: Int)] = [
        ("expired", 0), ("< 1 w", 1), ("1–2 w", 2), ("2–4 w", 4), ("4–8 w", 8), ("8–13 w", 13), ("13–26 w", 26), ("26–52 w", 52), ("> 52 w", Int.max),
    ]

    /// Certificates per timeline bucket, soonest first.
    public func timeline() -> [(label: String, count: Int)] {
        var counts = Array(repeating: 0, count: Self.buckets.count)
        for certificate in certificates {
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
            .sev-critical,.sev-high{color:#b00020}.sev-medium{color:#a15c00}.muted{color:#777}
            svg text{font:12px system-ui,sans-serif}
            </style></head><body>
            <h1>\(escape(title))</h1>
            <p class="muted">Generated \(escape(Self.iso(now))) — \(certificates.count) certificates.</p>

            """
        html += renderTimeline()
        html += renderFindings()
        html += renderRenewals()
        html += renderCertificates()
        html += "</body></html>\n"
        return html
    }

    private func renderTimeline() -> String {
        let data = timeline()
        let maxCount = max(data.map(\.count).max() ?? 0, 1)
        let barWidth = 70, gap = 12, height = 200, top = 20, bottom = 40
        let width = data.count * (barWidth + gap) + gap
        var svg = "<h2>Expiry timeline (certificates by weeks left)</h2>\n"
        svg += "<svg id=\"timeline\" role=\"img\" aria-label=\"certificates by weeks left\" width=\"\(width)\" height=\"\(height + top + bottom)\" viewBox=\"0 0 \(width) \(height + top + bottom)\">\n"
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
            html += "<tr><td class=\"sev-\(escape(finding.severity))\">\(escape(finding.severity))</td><td>\(escape(finding.code))</td><td>\(escape(finding.subject))</td><td>\(escape(finding.message))</td></tr>\n"
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

    private func renderCertificates() -> String {
        var html = "<h2>Certificates</h2>\n<table id=\"certificates\"><tr><th>Days left</th><th>Subject / names</th><th>Issuer</th><th>Key</th><th>Locations</th></tr>\n"
        for certificate in certificates {
            let facts = certificate.facts
            let days = Int(((Double(facts.notAfter) - now.timeIntervalSince1970) / 86_400).rounded(.down))
            let cls = days < 0 ? "expired" : days < 30 ? "soon" : ""
            let names = facts.subjectAlternativeNames.map(\.value)
            let label = ([facts.subjectCN ?? facts.subject] + names.filter { $0 != facts.subjectCN }).joined(separator: ", ")
            let locations = certificate.locations.filter { $0.goneSince == nil }.map { "\($0.kind.rawValue): \($0.ref)" }
            html += "<tr><td class=\"\(cls)\">\(days)</td><td>\(escape(label))</td><td>\(escape(facts.issuerCN ?? facts.issuer))</td><td>\(escape(facts.keyDescription))</td><td>\(locations.map(escape).joined(separator: "<br>"))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
