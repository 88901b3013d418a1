import Testing
import VigilValues

@Suite struct RFC3339Tests {
    @Test(
        arguments: [
            ("1970-01-01T00:00:00Z", 0),
            ("2026-11-27T10:15:00Z", 1_795_774_500_000),
            ("2026-11-27T10:15:00.123+01:00", 1_795_770_900_123),
            ("2026-11-27T10:15:00.1-02:30", 1_795_783_500_100),
            ("2026-11-27t10:15:00.123456789z", 1_795_774_500_123),
            ("2024-02-29T23:59:59.999Z", 1_709_251_199_999),
            ("2000-02-29T00:00:00Z", 951_782_400_000),
            ("1969-12-31T23:59:59.999Z", -1),
            ("0000-01-01T00:00:00Z", -62_167_219_200_000),
            ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
            ("2026-01-01T00:30:00+23:59", 1_767_141_060_000),
        ] as [(String, Int64)])
    func parsesValidTimestamps(text: String, milliseconds: Int64) {
        #expect(RFC3339.parseMilliseconds(text.utf8) == milliseconds)
    }

    @Test(arguments: [
        "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z", "2016-12-31T23:59:60Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+01:60", "2026-01-01 00:00:00Z",
        "26-01-01T00:00:00Z", "2026-1-01T00:00:00Z", "2026-01-01T00:00:00ZZ", "+2026-01-01T00:00:00Z", "",
        "2026-01-01T00:00:00Z ", "２026-01-01T00:00:00Z",
    ])
    func rejectsInvalidTimestamps(text: String) {
        #expect(RFC3339.parseMilliseconds(text.utf8) == nil)
    }

    @Test(
        arguments: [
            (0, "1970-01-01T00:00:00.000Z"),
            (1_795_774_500_123, "2026-11-27T10:15:00.123Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_868_800_000, "2000-03-01T00:00:00.000Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ] as [(Int64, String)])
    func formatsUTCWithMilliseconds(milliseconds: Int64, text: String) {
        #expect(RFC3339.format(milliseconds: milliseconds) == text)
    }

    @Test func formatAndParseRoundTripAcrossTheRepresentableRange() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var samples: [Int64] = [-62_167_219_200_000, 253_402_300_799_999, -1, 0, 1, 86_399_999, -86_400_001]
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            samples.append(-62_167_219_200_000 + Int64((state >> 8) % 315_569_520_000_000))
        }
        for milliseconds in samples {
            #expect(RFC3339.parseMilliseconds(RFC3339.format(milliseconds: milliseconds).utf8) == milliseconds)
        }
    }

    @Test func everyDayFrom1600To2400FormatsInOrderWithTheGregorianLeapDays() throws {
        let first = try #require(RFC3339.parseMilliseconds("1600-01-01T12:00:00Z".utf8))
        let last = try #require(RFC3339.parseMilliseconds("2400-12-31T12:00:00Z".utf8))
        var previous = ""
        var days = 0
        var leapDays = 0
        var mismatches = 0
        for milliseconds in stride(from: first, through: last, by: 86_400_000) {
            let text = RFC3339.format(milliseconds: milliseconds)
            if text <= previous || RFC3339.parseMilliseconds(text.utf8) != milliseconds { mismatches += 1 }
            if text.contains("-02-29T") { leapDays += 1 }
            previous = text
            days += 1
        }
        #expect(mismatches == 0)
        #expect(days == 292_560)
        #expect(leapDays == 195)
    }

    @Test(arguments: [Int64.min, Int64.max])
    func formatsExtremeInstantsWithoutTrapping(milliseconds: Int64) {
        #expect(RFC3339.format(milliseconds: milliseconds).hasSuffix("Z"))
    }
}
