import Testing
import VigilEngine
import VigilRules

/// Rule tests that state what a cooldown or the allowed lateness did with an event: each
/// expectation passes when it holds, and fails with expected against got when it does not.
@Suite struct RuleTestRunnerTests {
    /// `big` has a one-hour cooldown; `any` has none.
    private static let rules = """
        rules:
          - {id: big, description: d, severity: high, expression: amount > 100, cooldown: 1h}
          - {id: any, description: d, severity: low, expression: amount > 0}
        """

    /// The failures of a one-test file judging `big` only, as `vigil rules test` prints them.
    private static func failures(_ events: String, allowedLateness: String? = nil) throws -> [String] {
        let plan = try EngineReloadTests.plan(rules)
        let lateness = allowedLateness.map { "    allowed_lateness: \($0)\n" } ?? ""
        let text = "tests:\n  - name: t\n    rules: [big]\n\(lateness)    events:\n" + events
        let suite = try RuleTestLoader.load(path: "t.yaml", text: text, for: plan).get()
        let report = RuleTestRunner.run([suite], plan: plan)
        #expect(report.casesPassed + report.casesFailed == 1)
        return report.failures.map(\.rendered)
    }

    @Test func aFiringHeldBackByTheCooldownMeetsItsExpectation() throws {
        let failures = try Self.failures("""
                  - {at: 0s, card_id: c-1, amount: 150, expect: [big]}
                  - {at: 10m, card_id: c-1, amount: 150, expect_suppressed: [big]}
                  - {at: 20m, card_id: c-1, amount: 150}
                  - {at: 61m, card_id: c-1, amount: 150, expect: [big], expect_suppressed: []}
            """)
        #expect(failures == [])
    }

    @Test func expectingASuppressionThatDidNotHappenFails() throws {
        let failures = try Self.failures("""
                  - {at: 0s, card_id: c-1, amount: 150, expect: [big]}
                  - {at: 60m, card_id: c-1, amount: 150, expect_suppressed: [big]}
            """)
        #expect(failures == [
            """
            t.yaml:6:9: FAIL t: event 2 (1-2 at 2027-01-01T01:00:00.000Z)
                expected: []
                got:      ["big"]
                expected suppressed: ["big"]
                got suppressed:      []
                big fired:
                  condition   amount > 100: 150 > 100 is true
            """,
        ])
    }

    @Test func aSuppressionNotExpectedFailsWhenTheEventSaysWhichAreHeldBack() throws {
        let failures = try Self.failures("""
                  - {at: 0s, card_id: c-1, amount: 150, expect: [big]}
                  - {at: 59m, card_id: c-1, amount: 150, expect_suppressed: []}
            """)
        #expect(failures == [
            """
            t.yaml:6:9: FAIL t: event 2 (1-2 at 2027-01-01T00:59:00.000Z)
                expected suppressed: []
                got suppressed:      ["big"]
                big matched, but its cooldown held the alert back:
                  condition   amount > 100: 150 > 100 is true
            """,
        ])
    }

    @Test func anEventBeyondTheAllowedLatenessMeetsExpectLate() throws {
        let failures = try Self.failures("""
                  - {at: 20m, card_id: c-1, amount: 1}
                  - {at: 9m, card_id: c-1, amount: 150, expect_late: true}
                  - {at: 10m, card_id: c-1, amount: 150, expect: [big]}
            """, allowedLateness: "10m")
        #expect(failures == [])
    }

    @Test func expectingLateForAnEventWithinTheLatenessFails() throws {
        let failures = try Self.failures("""
                  - {at: 20m, card_id: c-1, amount: 1}
                  - {at: 10m, card_id: c-1, amount: 1, expect_late: true}
            """, allowedLateness: "10m")
        #expect(failures == [
            """
            t.yaml:7:9: FAIL t: event 2 (1-2 at 2027-01-01T00:10:00.000Z)
                expected: late (more than 10m behind the newest event time)
                got:      on time: 10m behind the newest event time (2027-01-01T00:20:00.000Z), within the allowed 10m
            """,
        ])
    }

    @Test func aLateEventNotExpectedToBeFailsWithHowFarBehindItWas() throws {
        let failures = try Self.failures("""
                  - {at: 20m, card_id: c-1, amount: 1}
                  - {at: 0s, card_id: c-1, amount: 150, expect: [big]}
            """, allowedLateness: "10m20s")
        #expect(failures == [
            """
            t.yaml:7:9: FAIL t: event 2 (1-2 at 2027-01-01T00:00:00.000Z)
                expected: on time
                got:      late: 20m behind the newest event time (2027-01-01T00:20:00.000Z), more than the allowed 10m20s
            """,
        ])
    }

    @Test func withoutAllowedLatenessEventsMayComeInAnyOrderWithinAYear() throws {
        let failures = try Self.failures("""
                  - {at: 300d, card_id: c-1, amount: 1}
                  - {at: 0s, card_id: c-1, amount: 150, expect: [big]}
                  - {at: 0s, card_id: c-1, amount: 1, expect_late: true}
            """)
        #expect(failures == [
            """
            t.yaml:7:9: FAIL t: event 3 (1-3 at 2027-01-01T00:00:00.000Z)
                expected: late (more than 366d behind the newest event time)
                got:      on time: 300d behind the newest event time (2027-10-28T00:00:00.000Z), within the allowed 366d
            """,
        ])
    }
}
