import CLMInventory
import CLMReport
import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3)))
struct HTMLReportTests {
    @Test func theTimelineCountsCertificatesByWeeksLeft() async throws {
        let fixture = try await ReportFixture.make()
        let report = HTMLReport(certificates: try fixture.inventory.metrics.certificatesWithLocations(), now: fixture.now)
        let timeline = Dictionary(uniqueKeysWithValues: report.timeline().map { ($0.label, $0.count) })
        #expect(timeline["expired"] == 1)
        #expect(timeline["< 1 w"] == 1)
        #expect(timeline["26–52 w"] == 1)
        #expect(report.timeline().map(\.count).reduce(0, +) == 3)
    }

    @Test func thePageIsSelfContained() async throws {
        let fixture = try await ReportFixture.make()
        let html = HTMLReport(certificates: try fixture.inventory.metrics.certificatesWithLocations(),
                              findings: [.init(code: "CLM101", rule: "expired", severity: .high, subject: "old.example.test", message: "<script>x</script>", fix: "")],
                              now: fixture.now).render()
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("<script"))   // user data is escaped, and the page needs no script
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt;"))
        #expect(html.contains(fixture.tree.appendingPathComponent("old.pem").path))
    }

    /// Renders the page in headless Chromium and checks the chart's bars were painted.
    @Test func chromiumDrawsTheChart() async throws {
        let fixture = try await ReportFixture.make()
        let page = fixture.temp.url.appendingPathComponent("report.html")
        try Data(HTMLReport(certificates: try fixture.inventory.metrics.certificatesWithLocations(), now: fixture.now).render().utf8).write(to: page)
        let png = fixture.temp.url.appendingPathComponent("report.png")
        let chromium = try TestSupport.findTool("chromium", aptPackage: "chromium")
        let shot = try await TestSupport.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                        "--window-size=1200,900", "--screenshot=\(png.path)", page.absoluteString],
                                             aptPackage: "chromium", environment: ["HOME": fixture.temp.path], timeout: 120)
        #expect(FileManager.default.fileExists(atPath: png.path), "chromium: \(shot.stderrText)")
        // Count pixels of each bar colour: expired red, soon orange, later green.
        let script = """
            import sys
            from PIL import Image
            image = Image.open(sys.argv[1]).convert("RGB")
            counts = {"red": 0, "orange": 0, "green": 0}
            for pixel in image.getdata():
                if pixel == (0xb0, 0x00, 0x20): counts["red"] += 1
                elif pixel == (0xe0, 0x8a, 0x00): counts["orange"] += 1
                elif pixel == (0x2e, 0x7d, 0x32): counts["green"] += 1
            print(counts["red"], counts["orange"], counts["green"])
            """
        let result = try await TestSupport.run("python3", ["-c", script, png.path], aptPackage: "python3 (+ pip install pillow)")
        let counts = result.stdoutText.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(counts.count == 3, "\(result.stderrText)")
        // Each bar is 70 px wide and at least a few px tall; the tallest (all equal here) is 200 px.
        #expect(counts.allSatisfy { $0 > 70 * 100 })
    }

    @Test func theSystemdUnitsVerify() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-systemd")
        let hooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Hooks/systemd")
        let binary = try ClmBinary.url()
        for name in ["clm-renew.service", "clm-renew.timer"] {
            let text = try String(contentsOf: hooks.appendingPathComponent(name), encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/clm", with: binary.path)
            try Data(text.utf8).write(to: temp.url.appendingPathComponent(name))
        }
        let analyze = try TestSupport.findTool("systemd-analyze", aptPackage: "systemd")
        let result = try await TestSupport.run(analyze, ["verify", temp.url.appendingPathComponent("clm-renew.service").path,
                                                         temp.url.appendingPathComponent("clm-renew.timer").path], aptPackage: "systemd")
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(!result.stderrText.contains("clm-renew"), "\(result.stderrText)")
        let timer = try String(contentsOf: hooks.appendingPathComponent("clm-renew.timer"), encoding: .utf8)
        #expect(timer.contains("OnCalendar=*-*-* 00,12:00:00"))
        #expect(timer.contains("RandomizedDelaySec="))
    }
}
