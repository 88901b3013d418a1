/// A rule unit-test file (`<rules>/tests/*.yaml`): events fed in order, and the alerts each must raise.
///
/// ```yaml
/// tests:
///   - name: a burst of small payments fires once per cooldown
///     rules: [card-testing-burst]        # optional: judge only these rules' alerts
///     allowed_lateness: 1m               # optional: as `vigil run --allowed-lateness`; 366d when absent
///     events:
///       - {at: 0s, card_id: c-1, amount: 1.10}
///       - {at: 50s, card_id: c-1, amount: 1.60, expect: [card-testing-burst]}
///       - {at: 60s, card_id: c-1, amount: 1.70, expect_suppressed: [card-testing-burst]}
///       - {at: 70s, card_id: c-1, amount: 1.80}     # no expect: no alert
///       - {at: 40s, card_id: c-1, amount: 1.90}     # 30s behind the newest: still counts
///       - {at: 0s, card_id: c-1, amount: 2.00, expect_late: true}   # 70s behind: too late
/// ```
/// Every event is judged: the rules it fires must be exactly its `expect` list (empty when absent),
/// and it must be on time unless `expect_late: true` says it arrives too late to count. When it has
/// `expect_suppressed`, the rules whose cooldown held back a firing on it must be exactly that list.
/// Ids in `rules`, `expect` and `expect_suppressed` must name rules of the set under test, an expected
/// id must be judged, and a suppressed one must have a cooldown.
/// `at` is an offset from 2027-01-01T00:00:00Z (`0s`, `90s`, `5m`, `500ms`); `ts` may give the time
/// instead, as epoch milliseconds or RFC 3339 text like an event's, but not both. `event_id`
/// defaults to `<test number>-<event number>`. Every other key is an event field the rule set knows
/// (built-in or declared under `fields:`); a plain value is read as that field's type (`mcc: 5411`
/// is text, `risk_score: 85` a number, `null` or `~` leaves the field out), a quoted one is always text.
package struct RuleTestSuite: Sendable {
    package let path: String
    package let cases: [RuleTestCase]
}

package struct RuleTestCase: Sendable {
    package let name: String
    package let location: SourceLocation
    /// When set, only these rules' alerts are judged.
    package let rules: [String]?
    /// How far behind the newest event time an event may be and still count.
    package let allowedLatenessMilliseconds: Int64
    package let events: [RuleTestEvent]
}

package struct RuleTestEvent: Sendable {
    package let location: SourceLocation
    /// The message as the engine receives it.
    package let message: String
    package let eventID: String
    package let time: Int64
    /// Rule ids this event must fire, and no others.
    package let expected: Set<String>
    /// Rule ids whose firing on this event their cooldown must hold back, and no others; nil when
    /// the test does not say, since a burst that holds back every later event need not list each.
    package let expectedSuppressed: Set<String>?
    /// Whether the event must come more than the allowed lateness behind the newest event time, so
    /// that no window counts it.
    package let isExpectedLate: Bool
}

package enum RuleTestLoader {
    /// The event time that `at: 0s` stands for: 2027-01-01T00:00:00Z.
    package static let baseTime: Int64 = 1_798_761_600_000

    /// Without `allowed_lateness:`, events may come in any order within a year, the longest
    /// window a rule may have.
    static let defaultAllowedLateness: Int64 = 366 * 86_400_000

    /// Where the tests of a rules directory live.
    package static func folder(of directory: String) -> String {
        directory + "/tests"
    }

    /// Reads every `*.yaml` / `*.yml` in `<directory>/tests`; no such folder means no tests.
    ///
    /// - Parameter plan: the compiled rule set, so a misspelt rule id or field name, or a value
    ///   its field cannot hold, is a load error placed where it is written rather than a test
    ///   that fails (or passes) for the wrong reason.
    package static func load(directory: String, for plan: RulePlan) -> Result<[RuleTestSuite], Diagnostics> {
        let folder = folder(of: directory)
        var suites: [RuleTestSuite] = []
        var diagnostics: [Diagnostic] = []
        let names = (try? FileSystem.entries(of: folder).get()) ?? []
        for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            switch FileSystem.regularFileText(folder + "/" + name) {
            case .success(let text):
                switch load(path: folder + "/" + name, text: text, for: plan) {
                case .success(let suite): suites.append(suite)
                case .failure(let problems): diagnostics += problems.items
                }
            case .failure(let problem):
                diagnostics.append(RuleDirectory.wholeFile(folder + "/" + name, "cannot read: \(problem.reason)"))
            }
        }
        return diagnostics.isEmpty ? .success(suites) : .failure(Diagnostics(items: diagnostics))
    }

    /// Reads one test file from its text; ``load(directory:for:)`` reads each file with it.
    package static func load(path: String, text: String, for plan: RulePlan) -> Result<RuleTestSuite, Diagnostics> {
        var reader = RuleTestReader(
            file: SourceFile(path: path, text: text), knownRuleIDs: Set(plan.rules.map(\.id)),
            rulesWithCooldown: Set(plan.rules.filter { $0.cooldownMilliseconds != nil }.map(\.id)),
            fieldTypes: plan.fieldTypes)
        let cases = reader.read()
        return reader.diagnostics.isEmpty
            ? .success(RuleTestSuite(path: path, cases: cases)) : .failure(Diagnostics(items: reader.diagnostics))
    }
}
