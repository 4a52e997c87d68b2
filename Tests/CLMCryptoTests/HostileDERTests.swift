import Foundation
import Testing
@testable import CLMCrypto
import CLMTestSupport


@Suite struct HostileDERTests {
    @Test(arguments: [
        ([], CertificateParseError.Code.truncated),
        ([0x30], .truncated),
        ([0x30, 0x80, 0x00, 0x00], .indefiniteLength),
        ([0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], .truncated),
        ([0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00], .unsupportedEncoding),
        ([0x30, 0x82, 0x01], .truncated),
        ([0x30, 0x03, 0x02, 0x01], .truncated),
        ([0x31, 0x00], .unexpectedTag),
        ([0x30, 0x00], .truncated),
        ([0x30, 0x02, 0x1F, 0x00], .unexpectedTag),
        ([0x30, 0x00, 0x00], .trailingData),
    ] as [([UInt8], CertificateParseError.Code)])
    func malformedHeadersThrowTypedErrors(bytes: [UInt8], code: CertificateParseError.Code) {
        #expect(throws: CertificateParseError(code: code)) { try CertificateInfo(der: bytes) }
    }

    @Test func aCertificateFollowedByOtherBytesParsesOnlyWhenAskedTo() async throws {
        let der = try await GeneratedCertificate.make(certificateRecipes[4]).der
        let trusted = der + [0x30, 0x03, 0x06, 0x01, 0x00]
        #expect(throws: CertificateParseError(code: .trailingData)) { try CertificateInfo(der: trusted) }
        let info = try CertificateInfo(leadingCertificateIn: trusted)
        #expect(info.der == der)
        #expect(try CertificateInfo(leadingCertificateIn: der) == CertificateInfo(der: der))
        #expect(throws: CertificateParseError(code: .truncated)) { try CertificateInfo(leadingCertificateIn: Array(der.dropLast())) }
    }

    @Test func highTagNumbersAreRejectedByTheReader() {
        [0x1F, 0x81, 0x00, 0x00].withUnsafeBytes { bytes in
            var reader = DERReader(bytes)
            #expect(throws: CertificateParseError(code: .unsupportedEncoding)) { try reader.next() }
        }
    }

    @Test func deepNestingThrowsWithoutRecursing() {
        // 100,000 nested SEQUENCEs with indefinite lengths, then with definite ones.
        let indefinite: [UInt8] = (0..<200_000).map { $0 % 2 == 0 ? 0x30 : 0x80 }
        #expect(throws: CertificateParseError(code: .indefiniteLength)) { try CertificateInfo(der: indefinite) }

        var nested: [UInt8] = [0x05, 0x00]
        for _ in 0..<5_000 {
            let count = nested.count
            nested = [0x30, 0x83, UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] + nested
        }
        #expect(throws: CertificateParseError.self) { try CertificateInfo(der: nested) }
    }

    @Test func errorsNameTheOffsetAndTheLengths() {
        do {
            _ = try CertificateInfo(der: [0x30, 0x82, 0x01, 0x2C] + [UInt8](repeating: 0, count: 120))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .truncated)
            #expect(error.description.contains("length 300 exceeds 120 remaining at offset 0"))
        }
    }

    /// Random mutations and truncations of real certificates must throw or parse, never trap or hang.
    @Test func mutatedCertificatesThrowOrParse() async throws {
        var seeds: [[UInt8]] = []
        for index in [0, 8, 10] { seeds.append(try await GeneratedCertificate.make(certificateRecipes[index]).der) }
        var generator = SeededGenerator(seed: 0x5EED_C1A0)
        var parsed = 0, thrown = 0
        for iteration in 0..<4_000 {
            var der = seeds[iteration % seeds.count]
            let mutations = Int.random(in: 1...4, using: &generator)
            for _ in 0..<mutations {
                guard !der.isEmpty else { break }
                let position = Int.random(in: 0..<der.count, using: &generator)
                switch Int.random(in: 0..<7, using: &generator) {
                case 0: der[position] = UInt8.random(in: 0...255, using: &generator)
                case 1: der[position] ^= 1 << UInt8.random(in: 0...7, using: &generator)
                case 2: der[position] = [0x80, 0x81, 0x84, 0x85, 0xFF, 0x00, 0x1F, 0x30][Int.random(in: 0..<8, using: &generator)]
                case 3: der.removeSubrange(position...)
                case 4: der.insert(UInt8.random(in: 0...255, using: &generator), at: position)
                case 5:
                    let end = min(der.count, position + Int.random(in: 1...64, using: &generator))
                    der.insert(contentsOf: der[position..<end], at: position)
                default: der.remove(at: position)
                }
            }
            do {
                _ = try CertificateInfo(der: der)
                parsed += 1
            } catch {
                thrown += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(parsed + thrown == 4_000)
        #expect(thrown > 0)
    }
}
