import CLMTestSupport
import Foundation
import Testing

/// Issue 13 item 15: `clm report --html` with the system trust store scanned beside a few
/// certificates in use, checked as text and as pixels in headless Chromium.
@Suite(.timeLimit(.minutes(3)))
struct ReportCommandTests {
    @Test func theReportKeepsTheTrustStoreApartAndNamesCertificatesAsInventoryShowDoes() async throws {
        let clm = try ClmRunner()
        let tree = try clm.directory("tree")
        let factory = clm.certificates
        let ca = try await factory.authority("report-ca", commonName: "Report CA")
        let day: TimeInterval = 86_400
        let expired = try await factory.leaf("expired", names: ["expired.example.com"], issuer: ca,
                                             notBefore: "20200101000000Z", notAfter: "20201231000000Z")
        let soon = try await factory.leaf("soon", names: ["soon.example.com"], issuer: ca, days: 5)
        let future = try await factory.leaf("future", names: ["future.example.com"], issuer: ca,
                                            notBefore: PrometheusScrapeTests.openSSLDate(Date().addingTimeInterval(3 * day)),
                                            notAfter: PrometheusScrapeTests.openSSLDate(Date().addingTimeInterval(300 * day)))
        try FileManager.default.copyItem(at: ca.certificate, to: tree.appendingPathComponent("report-ca.pem"))
        for (leaf, name) in [(expired, "expired.pem"), (soon, "soon.pem"), (future, "future.pem")] {
            try FileManager.default.copyItem(at: leaf.certificate, to: tree.appendingPathComponent(name))
        }
        // No CN, and a comma the inventory stores escaped (O=Example\, Inc).
        try await TestSupport.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                       "-keyout", clm.home.url.appendingPathComponent("org.key").path,
                                       "-out", tree.appendingPathComponent("org.pem").path, "-days", "200",
                                       "-subj", "/C=DE/O=Example, Inc", "-addext", "subjectAltName=DNS:org.example.com",
                                       "-addext", "basicConstraints=critical,CA:FALSE"])
        #expect(try await clm.run(["scan", tree.path]).status == 0)
        let store = "/etc/ssl/certs"
        let storeScan = try await clm.run(["scan", store])
        #expect(storeScan.status == 0 || storeScan.status == 1, "\(storeScan.stderrText)")

        let page = clm.home.url.appendingPathComponent("report.html")
        let written = try await clm.run(["report", "--html", page.path])
        #expect(written.status == 0, "\(written.stderrText)")
        let html = try String(contentsOf: page, encoding: .utf8)

        // Trust-store roots have their own section and chart; the main chart counts only what is in use.
        #expect(html.contains("<h2>System trust store ("))
        #expect(html.contains("id=\"trust-store-timeline\""))
        let chartStart = try #require(html.range(of: "<svg id=\"timeline\""))
        let chartEnd = try #require(html[chartStart.upperBound...].range(of: "</svg>"))
        let mainSVG = String(html[chartStart.lowerBound..<chartEnd.upperBound])
        let counts = mainSVG.components(separatedBy: "data-count=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        #expect(counts.reduce(0, +) == 5, "the 5 certificates of the tree, no trust-store root: \(counts)")

        // The certificate table: ID and fingerprint as `clm inventory show` takes them, role, not-yet-valid, readable DN.
        let listing = try #require(try await clm.json(["inventory", "list", "--format", "json"]) as? [[String: Any]])
        let futureRow = try #require(listing.first { $0["subject_cn"] as? String == "future.example.com" })
        let id = try #require(futureRow["id"] as? Int)
        let fingerprint = try #require(futureRow["fingerprint_sha256"] as? String)
        let rowStart = try #require(html.range(of: "<td>\(id)</td>"))
        let row = String(html[rowStart.lowerBound...].prefix { $0 != "\n" })
        #expect(row.contains(String(fingerprint.prefix(16))))
        #expect(row.contains("not yet valid"))
        #expect(row.contains(">leaf<"))
        let shown = try #require(try await clm.json(["inventory", "show", String(fingerprint.prefix(16)), "--format", "json"]) as? [String: Any])
        #expect(shown["id"] as? Int == id)
        #expect(html.contains("C=DE, O=Example, Inc"))
        #expect(!html.contains("Example\\, Inc"))
        #expect(html.contains(">trust store<"))
        #expect(html.contains(">root<"), "Report CA is a root outside the trust store")
        #expect(html.contains("<td class=\"nowrap\">EC P-256</td>"))
        #expect(html.contains("id=\"freshness\""))
        #expect(html.contains("files last scanned 20"))

        // Headless Chromium: the expired bar (red) is drawn at full height although the trust store holds ~140 roots.
        let png = clm.home.url.appendingPathComponent("report.png")
        let chromium = try TestSupport.findTool("chromium", aptPackage: "chromium")
        let shot = try await TestSupport.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                        "--window-size=1200,1000", "--screenshot=\(png.path)", page.absoluteString],
                                             aptPackage: "chromium", environment: ["HOME": clm.home.path], timeout: 120)
        #expect(FileManager.default.fileExists(atPath: png.path), "chromium: \(shot.stderrText)")
        let script = """
            import sys
            from PIL import Image
            image = Image.open(sys.argv[1]).convert("RGB")
            print(sum(1 for pixel in image.getdata() if pixel == (0xb0, 0x00, 0x20)))
            """
        let red = try await TestSupport.run("python3", ["-c", script, png.path], aptPackage: "python3 (+ pip install pillow)")
        let redPixels = Int(red.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        // One of four certificates in use is expired: with the soon and later bars its bar is at least a third of 200 px, 70 px wide.
        #expect(redPixels > 70 * 60, "red pixels: \(redPixels) \(red.stderrText)")
        if let keep = ProcessInfo.processInfo.environment["CLM_KEEP_REPORT_PNG"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: png, to: URL(fileURLWithPath: keep))
        }
    }
}
