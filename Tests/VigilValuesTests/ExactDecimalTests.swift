import Testing
import VigilValues

@Suite struct ExactDecimalTests {
    @Test func tenthsAddUpExactly() throws {
        let tenth = try #require(ExactDecimal("0.1"))
        let twoTenths = try #require(ExactDecimal("0.2"))
        #expect(tenth.adding(twoTenths) == ExactDecimal("0.3"))
    }

    @Test(arguments: [
        ("12", "12"), ("-0.25", "-0.25"), ("1.5e3", "1500"), ("0.000001", "0.000001"),
        ("100.10", "100.1"), ("2E-6", "0.000002"), ("0.1000000000", "0.1"), ("-0", "0"),
    ])
    func parsesJSONNumbers(text: String, expected: String) throws {
        let value = try #require(ExactDecimal(text))
        #expect(value.description == expected)
    }

    @Test(arguments: ["", "-", "1.", ".5", "1e", "1e+", "abc", "1.2.3", "0.0000001", "1e400", "99999999999999999999"])
    func rejectsTextThatIsNotAnExactAmount(text: String) {
        #expect(ExactDecimal(text) == nil)
    }

    @Test func divisionRoundsHalfToEven() throws {
        let one = try #require(ExactDecimal(1))
        let three = try #require(ExactDecimal(3))
        #expect(one.divided(by: three)?.description == "0.333333")
        #expect(ExactDecimal.mean(sumOfUnits: 5, count: 2)?.units == 2)
        #expect(ExactDecimal.mean(sumOfUnits: 7, count: 2)?.units == 4)
        #expect(one.divided(by: .zero) == nil)
    }

    @Test func overflowIsReportedNotTrapped() throws {
        let huge = ExactDecimal(units: .max)
        #expect(huge.adding(ExactDecimal(units: 1)) == nil)
        #expect(huge.multiplied(by: try #require(ExactDecimal(2))) == nil)
    }

    @Test func aDayOfCentsDoesNotDrift() throws {
        let cent = try #require(ExactDecimal("0.01"))
        var total = ExactDecimal.zero
        for _ in 0..<86_400 { total = try #require(total.adding(cent)) }
        #expect(total == ExactDecimal("864"))
    }
}
