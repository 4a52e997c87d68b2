import Foundation
import Testing
@testable import CLMCrypto
import CLMTestSupport

@Suite struct PEMDecoderTests {
    @Test func blocksAreFoundAmongProseWithCRLFAndStrayWhitespace() {
        let text = "Bundle for example.com\r\n"
            + "-----BEGIN CERTIFICATE-----\r\n"
            + "AAEC\r\n"
            + "  AwQF BgcI \t\r\n"
            + "-----END CERTIFICATE-----\r\n"
            + "some notes between\n"
            + "-----BEGIN PRIVATE KEY-----\n"
            + "/+/+\n"
            + "AA==\n"
            + "-----END PRIVATE KEY-----"
        let scan = PEMDecoder.blocks(in: Array(text.utf8))
        #expect(scan.problems.isEmpty)
        #expect(scan.blocks == [
            PEMBlock(label: "CERTIFICATE", der: [0, 1, 2, 3, 4, 5, 6, 7, 8]),
            PEMBlock(label: "PRIVATE KEY", der: [0xFF, 0xEF, 0xFE, 0x00]),
        ])
        #expect(PEMDecoder.blocks(in: text.utf8) == scan)
    }

    @Test func legacyEncryptedKeyHeadersAreKept() {
        let text = """
            -----BEGIN RSA PRIVATE KEY-----
            Proc-Type: 4,ENCRYPTED
            DEK-Info: AES-128-CBC,
             0123456789ABCDEF0123456789ABCDEF

            AAEC
            -----END RSA PRIVATE KEY-----

            """
        let scan = PEMDecoder.blocks(in: Array(text.utf8))
        #expect(scan.problems.isEmpty)
        #expect(scan.blocks.first?.headers == ["Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC, 0123456789ABCDEF0123456789ABCDEF"])
        #expect(scan.blocks.first?.der == [0, 1, 2])
    }

    @Test func problemsAreReportedAndGoodBlocksKept() {
        let text = """
            -----BEGIN CERTIFICATE-----
            AB*D
            -----END CERTIFICATE-----
            -----BEGIN CERTIFICATE-----
            AAEC
            -----END X509 CRL-----
            -----BEGIN CERTIFICATE-----
            AAEC
            -----END CERTIFICATE-----
            -----BEGIN CERTIFICATE-----
            AA==AA
            -----END CERTIFICATE-----
            -----BEGIN CERTIFICATE-----
            A
            -----END CERTIFICATE-----
            -----BEGIN PRIVATE KEY-----
            AAEC
            """
        let scan = PEMDecoder.blocks(in: Array(text.utf8))
        #expect(scan.blocks == [PEMBlock(label: "CERTIFICATE", der: [0, 1, 2])])
        #expect(scan.problems == [
            .badBase64(label: "CERTIFICATE", line: 2),
            .mismatchedEnd(begin: "CERTIFICATE", end: "X509 CRL", line: 6),
            .badBase64(label: "CERTIFICATE", line: 11),
            .badBase64(label: "CERTIFICATE", line: 15),
            .truncated(label: "PRIVATE KEY", line: 16),
        ])
    }

    @Test func aBeginInsideABlockTruncatesThePreviousOne() {
        let text = "-----BEGIN A-----\nAAEC\n-----BEGIN B-----\nAAEC\n-----END B-----\n"
        let scan = PEMDecoder.blocks(in: Array(text.utf8))
        #expect(scan.blocks.map(\.label) == ["B"])
        #expect(scan.problems == [.truncated(label: "A", line: 1)])
    }

    @Test func markerDetectionIsCheap() {
        #expect(PEMDecoder.containsPEMMarker(Array("junk\n-----BEGIN CERTIFICATE-----".utf8)))
        #expect(!PEMDecoder.containsPEMMarker(Array("-----BEGIN".utf8)))
        #expect(!PEMDecoder.containsPEMMarker([0x30, 0x82, 0x01, 0x00]))
        #expect(!PEMDecoder.containsPEMMarker([UInt8]()))
    }

    @Test func base64MatchesFoundationForEveryLength() {
        var generator = SeededGenerator(seed: 64)
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Data(bytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            let pem = "-----BEGIN X-----\n\(encoded)\n-----END X-----\n"
            let scan = PEMDecoder.blocks(in: Array(pem.utf8))
            #expect(scan.problems.isEmpty, "length \(length)")
            #expect(scan.blocks.first?.der == bytes, "length \(length)")
        }
    }

    @Test func mutatedPEMNeverTraps() {
        let base = Array("""
            text
            -----BEGIN CERTIFICATE-----
            Proc-Type: 4,ENCRYPTED
            MIIBszCCAVmgAwIBAgIUJ3zMl0pXw0fXnS1ya8Ma6jVqmJ4wCgYIKoZIzj0EAwIw
            AA==
            -----END CERTIFICATE-----
            """.utf8)
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<3_000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes[position] = Array("-=:\r\n ".utf8)[Int.random(in: 0..<6, using: &generator)]
                case 2: bytes.removeSubrange(position...)
                default: bytes.insert(UInt8(ascii: "-"), at: position)
                }
                if bytes.isEmpty { break }
            }
            let scan = PEMDecoder.blocks(in: bytes)
            #expect(scan.blocks.count <= 1)
        }
    }
}
