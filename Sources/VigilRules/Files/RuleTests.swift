/// A rule unit-test file (`<rules>/tests/*.yaml`): events fed in order, and the alerts each must raise.
///
/// ```yaml
/// tests:
///   - name: a burst of small payments fires once per cooldown
///     rules: [card-testing-burst]        # optional: judge only these rules' alerts
///     events:
///       - {at: 0s, card_id: c-1, amount: 1.10}
///       - {at: 50s, card_id: c-1, amount: 1.60, expect: [card-testing-burst]}
///       - {at: 60s, card_id: c-1, amount: 1.70}     # no expect: no alert
/// ```
/// Every event is judged: the rules it fires must be exactly its `expect` list (empty when absent).
/// Ids in `rules` and `expect` must name rules of the set under test, and an `expect` id must be judged.
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
}

package enum RuleTestLoader {
    /// The event time that `at: 0s` stands for: 2027-01-01T00:00:00Z.
    package static let baseTime: Int64 = 1_798_761_600_000

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
        let ruleIDs = Set(plan.rules.map(\.id))
        let folder = folder(of: directory)
        var suites: [RuleTestSuite] = []
        var diagnostics: [Diagnostic] = []
        let names = (try? FileSystem.entries(of: folder).get()) ?? []
        for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let text: String
            switch FileSystem.regularFileText(folder + "/" + name) {
            case .success(let read): text = read
            case .failure(let problem):
                diagnostics.append(RuleDirectory.wholeFile(folder + "/" + name, "cannot read: \(problem.reason)"))
                continue
            }
            var reader = RuleTestReader(
                file: SourceFile(path: folder + "/" + name, text: text), knownRuleIDs: ruleIDs, fieldTypes: plan.fieldTypes)
            let cases = reader.read()
            diagnostics += reader.diagnostics
            suites.append(RuleTestSuite(path: folder + "/" + name, cases: cases))
        }
        return diagnostics.isEmpty ? .success(suites) : .failure(Diagnostics(items: diagnostics))
    }
}
