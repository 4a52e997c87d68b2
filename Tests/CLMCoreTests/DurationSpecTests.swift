import CLMCore
import Testing

@Suite struct DurationSpecTests {
    @Test(arguments: [("90s", 90), ("45m", 2700), ("12h", 43_200), ("60d", 5_184_000), ("8w", 4_838_400), (" 1d ", 86_400)] as [(String, Int64)])
    func validDurationsParse(text: String, seconds: Int64) throws {
        #expect(try DurationSpec(parsing: text).seconds == seconds)
    }

    @Test(arguments: ["", "d", "60", "60x", "-5d", "1.5h", "60 d", "99999999999999999999d", "6Od"])
    func invalidDurationsAreRejectedWithAClearMessage(text: String) {
        #expect(throws: DurationSpec.ParseError.invalid(text)) { try DurationSpec(parsing: text) }
        #expect(DurationSpec.ParseError.invalid(text).description.contains("90s, 45m, 12h, 60d, 8w"))
    }
}
