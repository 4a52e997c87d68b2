import CLMCore
import Testing

struct SafeTextTests {
    @Test func controlCharactersC0C1AndDELBecomeVisible() {
        #expect(SafeText.escaped("plain é ✓") == "plain é ✓")
        #expect(SafeText.escaped("a\u{1B}[2J\nb\tc\r\u{7F}\u{85}\u{9B}\u{00}") == #"a\x1B[2J\nb\tc\r\x7F\x85\x9B\x00"#)
        #expect("x\u{07}".displaySafe == #"x\x07"#)
    }

    @Test func bidiOverridesAndIsolatesCannotReorderTheLine() {
        #expect(SafeText.escaped("evil\u{202E}moc.elpmaxe") == #"evil\u202Emoc.elpmaxe"#)
        #expect(SafeText.escaped("\u{2066}a\u{2069}\u{202A}") == #"\u2066a\u2069\u202A"#)
        #expect(SafeText.escaped("עברית ✓ \u{200F}") == "עברית ✓ \u{200F}")  // letters and marks stay
        #expect(CSV.row(["x\u{202E}y"]) == #"x\u202Ey"# + "\r\n")
    }

    @Test func fileNameBytesThatAreNotUTF8AreShownAsHex() {
        #expect(SafeText.escaped(bytes: Array("ok-é.pem".utf8)) == "ok-é.pem")
        #expect(SafeText.escaped(bytes: [0x61, 0xFF, 0xC3, 0x28, 0xE2, 0x82, 0x1B]) == #"a\xFF\xC3(\xE2\x82\x1B"#)
        #expect(SafeText.escaped(bytes: [0xED, 0xA0, 0x80]) == #"\xED\xA0\x80"#)  // a UTF-16 surrogate is not UTF-8
    }

    @Test func csvFieldsAreEscapedThenQuoted() {
        #expect(CSV.row(["a", "b,c", "say \"hi\"", "line\nbreak\u{1B}"]) == "a,\"b,c\",\"say \"\"hi\"\"\",line\\nbreak\\x1B\r\n")
    }

    @Test func csvCellsThatLookLikeFormulasStayText() {
        #expect(CSV.row(["=cmd|' /C calc'!A0.test", "+1+1", "@SUM(A1)", "-2+3", "-12", "-3.5", "a=b"])
                == "'=cmd|' /C calc'!A0.test,'+1+1,'@SUM(A1),'-2+3,-12,-3.5,a=b\r\n")
    }
}

struct FileSystemNameTests {
    @Test func namesThatAreNotUTF8RoundTripThroughAString() {
        for bytes: [UInt8] in [Array("plain-é.pem".utf8), [0x61, 0xFF, 0xC3, 0x28], [0xEF, 0x9F, 0xBF, 0x62], [0x80]] {
            let name = FileSystemName.decode(bytes)
            let back = FileSystemName.kernelBytes(name).map { Array($0.dropLast()).map { UInt8(bitPattern: $0) } } ?? Array(name.utf8)
            #expect(back == bytes)
        }
        #expect(FileSystemName.kernelBytes("plain/path.pem") == nil)
        #expect(SafeText.escaped(FileSystemName.decode([0x61, 0xFF])) == #"a\xFF"#)
    }
}

struct DayCountTests {
    @Test func daysReadAsWords() {
        #expect(DayCount.text(0) == "less than a day")
        #expect(DayCount.text(1) == "1 day")
        #expect(DayCount.text(12) == "12 days")
    }
}
