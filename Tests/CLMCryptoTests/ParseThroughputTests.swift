import Foundation
import Testing
import CLMCrypto
import CLMTestSupport

/// Prints certificates parsed per second; asserts nothing about time.
/// Run in release: `CLM_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter ParseThroughput`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CLM_BENCH"] != nil, "set CLM_BENCH=1 to measure"))
struct ParseThroughputTests {
    @Test func parsingThroughputIsPrinted() async throws {
        var ders: [[UInt8]] = []
        for recipe in certificateRecipes where recipe.name != "RSA 4096 self-signed CA with pathlen 2" {
            ders.append(try await GeneratedCertificate.make(recipe).der)
        }
        try measure("generated", ders)

        let bundle = Array(try Data(contentsOf: URL(fileURLWithPath: SystemTrustStoreTests.bundle)))
        var blocks: [PEMBlock] = []
        let rounds = 50
        let pemTime = seconds(ContinuousClock().measure {
            for _ in 0..<rounds { blocks = PEMDecoder.blocks(in: bundle).blocks }
        })
        print("PEM-decoded \(rounds) × \(bundle.count) bytes (\(blocks.count) blocks) at \(Int(Double(rounds * bundle.count) / pemTime / 1e6)) MB/s")
        try measure("system CA bundle", blocks.map(\.der))
    }

    private func measure(_ name: String, _ ders: [[UInt8]]) throws {
        let total = 100_000
        var checksum = 0
        let elapsed = try ContinuousClock().measure {
            for index in 0..<total {
                let info = try CertificateInfo(der: ders[index % ders.count])
                checksum &+= info.subjectAlternativeNames.count + info.subject.attributes.count
            }
        }
        let time = seconds(elapsed)
        print("\(name): parsed \(total) certificates (\(ders.count) distinct, mean \(ders.map(\.count).reduce(0, +) / ders.count) bytes) in \(time) s: \(Int(Double(total) / time)) certs/s (checksum \(checksum))")
        #expect(checksum > 0)
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
