import Testing
import VigilValues
@testable import VigilRules

/// Rule-test files: mistakes in them are load errors at the place they are written.
@Suite struct RuleTestFileTests {
    private func rendered(_ yaml: String) -> [String] {
        var reader = Self.reader(yaml)
        _ = reader.read()
        return reader.diagnostics.map(\.rendered)
    }

    /// A reader for a rule set of `card-testing-burst` (with a cooldown) and `big-amount` (without).
    private static func reader(_ yaml: String) -> RuleTestReader {
        RuleTestReader(
            file: SourceFile(path: "t.yaml", text: yaml), knownRuleIDs: ["card-testing-burst", "big-amount"],
            rulesWithCooldown: ["card-testing-burst"], fieldTypes: fieldTypes)
    }

    private static let fieldTypes = Vocabulary.builtinFields.merging(["risk_score": .number, "is_3ds": .bool]) { $1 }

    /// The message the engine would receive for the first event of a one-event test.
    private func message(_ event: String) -> String? {
        var reader = Self.reader("tests:\n  - name: one\n    events:\n      - \(event)\n")
        return reader.read().first?.events.first?.message
    }

    @Test func unknownRuleIDIsALoadErrorAtTheIDWithASuggestion() {
        let diagnostics = rendered("""
            tests:
              - name: burst
                rules: [nosuch]
                events:
                  - {at: 0s, card_id: c-1, expect: [card-testing-brust]}
            """)
        #expect(diagnostics == [
            "t.yaml:3:13: error: no rule has the id 'nosuch'\n      rules: [nosuch]\n              ^~~~~~",
            "t.yaml:5:41: error: no rule has the id 'card-testing-brust'; did you mean 'card-testing-burst'?\n"
                + "        - {at: 0s, card_id: c-1, expect: [card-testing-brust]}\n"
                + "                                          ^~~~~~~~~~~~~~~~~~",
        ])
    }

    /// Failures are reported by test name, so two tests of one name could not be told apart.
    @Test func twoTestsOfOneNameAreALoadErrorAtTheSecond() {
        let diagnostics = rendered("""
            tests:
              - name: burst
                events:
                  - {at: 0s, card_id: c-1}
              - name: burst
                events:
                  - {at: 0s, card_id: c-2}
            """)
        #expect(diagnostics == [
            "t.yaml:5:11: error: a test named 'burst' comes earlier, at line 2; give each test a name of its own\n"
                + "    - name: burst\n            ^~~~~",
        ])
    }

    @Test func brokenYAMLIsPlacedWhereItCanBeFixed() {
        let diagnostics = rendered("tests:\n  - name: \"burst\n    events: []\n")
        #expect(diagnostics == [
            "t.yaml:2:11: error: invalid YAML: found unexpected end of stream while scanning a quoted scalar, which starts here\n"
                + "    - name: \"burst\n            ^",
        ])
    }

    @Test func eventWithBothAtAndTsIsALoadError() {
        let diagnostics = rendered("""
            tests:
              - name: two clocks
                events:
                  - {at: 0s, ts: 1798761600000, amount: 1}
            """)
        #expect(diagnostics == [
            "t.yaml:4:22: error: the event has both at: and ts:; give its time once\n"
                + "        - {at: 0s, ts: 1798761600000, amount: 1}\n"
                + "                       ^",
        ])
    }

    @Test func misspeltEventFieldIsALoadErrorWithASuggestion() {
        let diagnostics = rendered("""
            tests:
              - name: typo
                events:
                  - {at: 0s, curency: GBP, amount: 9000}
            """)
        #expect(diagnostics == [
            "t.yaml:4:18: error: unknown field 'curency'; did you mean 'currency'?\n"
                + "        - {at: 0s, curency: GBP, amount: 9000}\n"
                + "                   ^~~~~~~",
        ])
    }

    @Test func eventFieldNoRuleKnowsSaysHowToDeclareIt() {
        let diagnostics = rendered("tests:\n  - name: n\n    events:\n      - {at: 0s, amount: 1, basket_size: 3}\n")
        #expect(diagnostics.first?.hasPrefix(
            "t.yaml:4:29: error: unknown field 'basket_size'; declare it under fields: in a rule file") == true,
            "\(diagnostics)")
    }

    @Test func plainValueThatItsFieldCannotHoldIsALoadError() {
        let diagnostics = rendered("""
            tests:
              - name: wrong types
                events:
                  - {at: 0s, amount: 1, risk_score: high, is_3ds: no}
            """)
        #expect(diagnostics == [
            "t.yaml:4:41: error: risk_score is a number field: write a number, not 'high' "
                + "(or quote it to test an event whose risk_score is text)\n"
                + "        - {at: 0s, amount: 1, risk_score: high, is_3ds: no}\n"
                + "                                          ^~~~",
            "t.yaml:4:55: error: is_3ds is a bool field: write true or false, not 'no' "
                + "(or quote it to test an event whose is_3ds is text)\n"
                + "        - {at: 0s, amount: 1, risk_score: high, is_3ds: no}\n"
                + "                                                        ^~",
        ])
    }

    @Test(arguments: [
        ("{at: 0s, amount: 1, mcc: 5411}", #""mcc":"5411""#),
        ("{at: 0s, amount: 1, risk_score: 85}", #""risk_score":85"#),
        ("{at: 0s, amount: 1, risk_score: \"85\"}", #""risk_score":"85""#),
        ("{at: 0s, amount: 1, is_3ds: false}", #""is_3ds":false"#),
        ("{at: 0s, amount: 1, card_id: null}", #""card_id":null"#),
        ("{at: 0s, amount: 1, card_id: ~}", #""card_id":null"#),
        ("{at: 0s, amount: 1, card_id: \"null\"}", #""card_id":"null""#),
        ("{at: 0s, amount: 1, risk_score: 0200}", #""risk_score":200"#),
    ])
    func plainValuesAreReadAsTheirFieldsType(event: String, field: String) {
        let message = self.message(event)
        #expect(message?.contains(field) == true, "\(message ?? "no event")")
    }

    @Test(arguments: [
        ("ts: 1798761600000", 1_798_761_600_000),
        ("ts: 2026-11-28T09:00:00Z", 1_795_856_400_000),
        ("ts: 2026-11-28t09:00:00.123456z", 1_795_856_400_123),
        ("ts: 2027-01-01T01:00:00.250+01:00", 1_798_761_600_250),
        ("ts: \"2026-11-28T04:00:00-05:00\"", 1_795_856_400_000),
    ] as [(String, Int64)])
    func tsTakesEpochMillisecondsOrRFC3339Text(ts: String, milliseconds: Int64) {
        let message = self.message("{\(ts), amount: 1}")
        #expect(message?.contains("\"ts\":\(milliseconds),") == true, "\(message ?? "no event")")
    }

    /// A number the engine could not hold exactly is a load error where it is written, not a
    /// request to write a number.
    @Test func aNumberBeyondSixDecimalPlacesIsALoadErrorThatSaysSo() {
        let diagnostics = rendered("tests:\n  - name: fine\n    events:\n      - {at: 0s, amount: 1.0000001}\n")
        #expect(diagnostics == [
            "t.yaml:4:26: error: amount: 1.0000001 is out of range or has more than six decimal places\n"
                + "        - {at: 0s, amount: 1.0000001}\n"
                + "                           ^~~~~~~~~",
        ])
    }

    @Test func malformedTsIsALoadErrorUnderTheValue() {
        let diagnostics = rendered("""
            tests:
              - name: local time
                events:
                  - {ts: 2026-11-28 09:00:00, amount: 1}
            """)
        #expect(diagnostics == [
            "t.yaml:4:14: error: ts: '2026-11-28 09:00:00' is not an RFC 3339 time: date and time are joined by T, "
                + "and it needs a zone: write 2026-11-28T09:00:00Z for UTC, or an offset as in 2026-11-28T09:00:00+01:00\n"
                + "        - {ts: 2026-11-28 09:00:00, amount: 1}\n"
                + "               ^~~~~~~~~~~~~~~~~~~",
        ])
    }

    @Test(arguments: [
        ("2026-11-28T09:00:00", "it needs a zone: write 2026-11-28T09:00:00Z for UTC, or an offset as in 2026-11-28T09:00:00+01:00"),
        ("2026-11-28 09:00:00+01:00", "date and time are joined by T, as in 2026-11-28T09:00:00+01:00"),
        ("2026-02-30T09:00:00Z", "neither epoch milliseconds (1798761600000) nor an RFC 3339 time"),
        ("2016-12-31T23:59:60Z", "impossible dates such as 2026-02-30 and leap seconds are refused"),
        ("1798761600000.5", "epoch milliseconds are a whole number, not 1798761600000.5"),
        ("99999999999999999999", "99999999999999999999 is outside the years 0000-9999"),
        ("253402300800000", "253402300800000 is outside the years 0000-9999"),
        ("yesterday", "ts: 'yesterday' is neither epoch milliseconds"),
    ])
    func malformedTsSaysWhatIsWrong(ts: String, advice: String) {
        let diagnostics = rendered("tests:\n  - name: n\n    events:\n      - {ts: \(ts), amount: 1}\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.hasPrefix("t.yaml:4:14: error: ts: ") == true, "\(diagnostics)")
        #expect(diagnostics.first?.contains(advice) == true, "\(diagnostics)")
    }

    @Test func expectingARuleTheTestDoesNotJudgeIsALoadError() {
        let diagnostics = rendered("""
            tests:
              - name: judged elsewhere
                rules: [big-amount]
                events:
                  - {at: 0s, amount: 1, expect: [card-testing-burst]}
                  - {at: 1s, amount: 1, expect_suppressed: [card-testing-burst]}
            """)
        #expect(diagnostics == [
            "t.yaml:5:38: error: 'card-testing-burst' is expected, but this test judges only [big-amount]; "
                + "add it to the test's rules:\n"
                + "        - {at: 0s, amount: 1, expect: [card-testing-burst]}\n"
                + "                                       ^~~~~~~~~~~~~~~~~~",
            "t.yaml:6:49: error: 'card-testing-burst' is expected, but this test judges only [big-amount]; "
                + "add it to the test's rules:\n"
                + "        - {at: 1s, amount: 1, expect_suppressed: [card-testing-burst]}\n"
                + "                                                  ^~~~~~~~~~~~~~~~~~",
        ])
    }

    @Test func cooldownAndLatenessExpectationsAreRead() throws {
        var reader = Self.reader("""
            tests:
              - name: held back, then late
                rules: [card-testing-burst, big-amount]
                allowed_lateness: 90s
                events:
                  - {at: 10m, amount: 1, expect_suppressed: [card-testing-burst]}
                  - {at: 0s, amount: 1, expect_late: true}
                  - {at: 10m, amount: 1}
            """)
        let testCase = try #require(reader.read().first)
        #expect(reader.diagnostics.isEmpty, "\(reader.diagnostics.map(\.rendered))")
        #expect(testCase.allowedLatenessMilliseconds == 90_000)
        #expect(testCase.events.map(\.expectedSuppressed) == [["card-testing-burst"], nil, nil])
        #expect(testCase.events.map(\.isExpectedLate) == [false, true, false])
    }

    @Test func suppressionThatCouldNeverHappenIsALoadErrorAtTheID() {
        let diagnostics = rendered("""
            tests:
              - name: impossible cooldowns
                events:
                  - {at: 0s, amount: 1, expect_suppressed: [big-amount]}
                  - {at: 1s, amount: 1, expect: [card-testing-burst], expect_suppressed: card-testing-burst}
            """)
        #expect(diagnostics == [
            "t.yaml:4:49: error: 'big-amount' has no cooldown:, so no firing of it is ever held back\n"
                + "        - {at: 0s, amount: 1, expect_suppressed: [big-amount]}\n"
                + "                                                  ^~~~~~~~~~",
            "t.yaml:5:78: error: 'card-testing-burst' is in expect: too; on one event a rule either fires or is held back\n"
                + "        - {at: 1s, amount: 1, expect: [card-testing-burst], expect_suppressed: card-testing-burst}\n"
                + "                                                                               ^~~~~~~~~~~~~~~~~~",
        ])
    }

    @Test func aLateEventExpectedToFireIsALoadError() {
        let diagnostics = rendered("""
            tests:
              - name: late and firing
                events:
                  - {at: 0s, amount: 1, expect_late: true, expect: [big-amount]}
                  - {at: 0s, amount: 1, expect_late: maybe}
            """)
        #expect(diagnostics == [
            "t.yaml:4:56: error: a late event is not evaluated, so it fires nothing and has nothing held back; "
                + "drop expect: here\n"
                + "        - {at: 0s, amount: 1, expect_late: true, expect: [big-amount]}\n"
                + "                                                         ^",
            "t.yaml:5:42: error: expect_late: is true or false\n"
                + "        - {at: 0s, amount: 1, expect_late: maybe}\n"
                + "                                           ^",
        ])
    }

    @Test func misspeltExpectationKeysAreLoadErrorsWithASuggestion() {
        let diagnostics = rendered("""
            tests:
              - name: typos
                allowed_latenes: 10m
                events:
                  - {at: 0s, amount: 1, expect_supressed: [card-testing-burst]}
              - name: no unit
                allowed_lateness: 10
                events:
                  - {at: 0s, amount: 1}
            """)
        #expect(diagnostics == [
            "t.yaml:3:5: error: unknown key 'allowed_latenes' in a test; did you mean 'allowed_lateness'?\n"
                + "      allowed_latenes: 10m\n"
                + "      ^",
            "t.yaml:5:29: error: unknown field 'expect_supressed'; did you mean 'expect_suppressed'?\n"
                + "        - {at: 0s, amount: 1, expect_supressed: [card-testing-burst]}\n"
                + "                              ^~~~~~~~~~~~~~~~",
            "t.yaml:7:23: error: allowed_lateness: is a duration such as 10m, 90s or 0s, as vigil run's --allowed-lateness\n"
                + "      allowed_lateness: 10\n"
                + "                        ^",
        ])
    }
}
