import Testing
import VigilValues

@Suite struct ReadableDurationTests {
    @Test(arguments: [
        (620_000, "10m20s"), (86_400_000, "24h"), (129_600_000, "36h"), (172_800_000, "2d"), (216_000_000, "2d12h"),
        (90_000, "1m30s"), (600_000, "10m"), (1_000, "1s"), (1_500, "1500ms"), (500, "500ms"), (0, "0s"),
        (3_723_000, "1h2m3s"), (-620_000, "-10m20s"),
    ] as [(Int64, String)])
    func durationsPrintAsPeopleWriteThem(milliseconds: Int64, text: String) {
        #expect(ReadableDuration.text(milliseconds: milliseconds) == text)
    }

    @Test(arguments: [0, 1, 500, 1_500, 1_000, 59_000, 60_000, 90_000, 620_000, 3_723_000, 86_400_000, 129_600_000, 216_000_000, 31_622_400_000] as [Int64])
    func whatIsPrintedReadsBack(milliseconds: Int64) {
        #expect(ReadableDuration.milliseconds(ReadableDuration.text(milliseconds: milliseconds)) == milliseconds)
    }

    @Test func durationsAsWrittenOnTheCommandLineAreRead() {
        #expect(ReadableDuration.milliseconds("10m20s") == 620_000)
        #expect(ReadableDuration.milliseconds("1d") == 86_400_000)
        #expect(ReadableDuration.milliseconds("1s500ms") == 1_500)
        #expect(ReadableDuration.milliseconds("0s") == 0)
    }

    @Test(arguments: ["", "10", "m", "20s10m", "1m1m", "1.5s", "-1s", "10x", "5 m", "99999999999999999999s", "9223372036854775807d"])
    func whatIsNotADurationIsRefused(text: String) {
        #expect(ReadableDuration.milliseconds(text) == nil)
    }

    /// Rule files judge each part themselves, so a part keeps whatever its unit was written as.
    @Test func textIsSplitWhereALetterMeetsTheNextDigits() {
        let split = { (text: String) in ReadableDuration.parts(of: Substring(text)).map { "\($0.digits)|\($0.unit)" } }
        #expect(split("10m20s") == ["10|m", "20|s"])
        #expect(split("1s500ms") == ["1|s", "500|ms"])
        #expect(split("1.5h") == ["1|.5h"])
        #expect(split("1h30") == ["1|h", "30|"])
        #expect(split("").isEmpty)
    }

    @Test func swiftDurationsPrintToTheNearestMillisecond() {
        #expect(ReadableDuration.text(.seconds(30)) == "30s")
        #expect(ReadableDuration.text(.milliseconds(1_500)) == "1500ms")
        #expect(ReadableDuration.text(.microseconds(999_600)) == "1s")
    }
}
