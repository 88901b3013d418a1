import VigilEvents
import VigilValues
package import VigilRules

/// Runs rule unit tests: each test case gets a fresh engine, so cases never share window state.
package enum RuleTestRunner {
    package struct Failure: Sendable {
        package let location: SourceLocation
        package let testName: String
        package let message: String

        package var rendered: String {
            "\(location.file):\(location.line):\(location.column): FAIL \(testName): \(message)"
        }
    }

    package struct Report: Sendable {
        package var casesPassed = 0
        package var casesFailed = 0
        package var eventsChecked = 0
        package var failures: [Failure] = []
    }

    /// The rules of `plan`, in its order, that no event of `suites` expects to fire: a change
    /// that breaks one of them would pass every test.
    package static func rulesNoTestFires(_ suites: [RuleTestSuite], plan: RulePlan) -> [String] {
        let fired = Set(suites.flatMap(\.cases).flatMap(\.events).flatMap(\.expected))
        return plan.rules.map(\.id).filter { !fired.contains($0) }
    }

    package static func run(_ suites: [RuleTestSuite], plan: RulePlan) -> Report {
        var report = Report()
        for testCase in suites.flatMap(\.cases) {
            let failures = run(testCase, plan: plan, eventsChecked: &report.eventsChecked)
            if failures.isEmpty { report.casesPassed += 1 } else { report.casesFailed += 1 }
            report.failures += failures
        }
        return report
    }

    /// What one event came to, as far as a test judges it.
    private enum Observation {
        /// Evaluated: the judged rules it fired, and those whose cooldown held a firing back.
        case evaluated(fired: Set<String>, suppressed: Set<String>)
        /// More than the allowed lateness behind the newest event time, so no window counts it.
        case late
        case rejected(DecodeFailure)
    }

    /// Runs one case; the suite's rule ids were checked when it was loaded.
    private static func run(_ testCase: RuleTestCase, plan: RulePlan, eventsChecked: inout Int) -> [Failure] {
        var options = EngineOptions()
        options.allowedLatenessMilliseconds = testCase.allowedLatenessMilliseconds
        let engine = Engine(plan: plan, options: options)
        let judged = testCase.rules.map(Set.init)
        var clock = TestClock(allowedLateness: testCase.allowedLatenessMilliseconds)
        var failures: [Failure] = []
        for (index, event) in testCase.events.enumerated() {
            eventsChecked += 1
            let countersBefore = engine.statistics.rules
            let observation = observe(event, on: engine, offset: Int64(index), judging: judged, countersBefore)
            let label = "event \(index + 1) (\(event.eventID) at \(RFC3339.format(milliseconds: event.time)))"
            if let message = judge(event, label: label, observation, clock: clock, engine: engine, countersBefore) {
                failures.append(Failure(location: event.location, testName: testCase.name, message: message))
            }
            if case .evaluated = observation { clock.count(event.time) }
        }
        return failures
    }

    /// The failure message for an event that did not come out as expected; nil when it did.
    private static func judge(
        _ event: RuleTestEvent, label: String, _ observation: Observation, clock: TestClock, engine: Engine,
        _ countersBefore: [EngineStatistics.RuleCounters]
    ) -> String? {
        let lines: [String]
        switch observation {
        case .rejected(let failure):
            return "\(label): the event is not valid: \(failure.reason) (\(failure.detail))"
        case .late where !event.isExpectedLate:
            lines = ["    expected: on time", "    got:      \(clock.describe(event.time))"]
        case .evaluated where event.isExpectedLate:
            lines = ["    expected: late (\(clock.lateness))", "    got:      \(clock.describe(event.time))"]
        case .evaluated(let fired, let suppressed):
            lines = mismatches(of: event, fired: fired, suppressed: suppressed, on: engine, countersBefore)
        case .late:
            lines = []
        }
        return lines.isEmpty ? nil : ([label] + lines).joined(separator: "\n")
    }

    /// Expected against got for the rules fired, and for those held back when the event says which,
    /// then why each rule in question came out as it did; empty when both are as expected.
    private static func mismatches(
        of event: RuleTestEvent, fired: Set<String>, suppressed: Set<String>, on engine: Engine,
        _ countersBefore: [EngineStatistics.RuleCounters]
    ) -> [String] {
        var lines: [String] = []
        var questioned = Set<String>()
        if fired != event.expected {
            lines += ["    expected: \(event.expected.sorted())", "    got:      \(fired.sorted())"]
            questioned.formUnion(fired.symmetricDifference(event.expected))
        }
        if let expectedSuppressed = event.expectedSuppressed, suppressed != expectedSuppressed {
            lines.append("    expected suppressed: \(expectedSuppressed.sorted())")
            lines.append("    got suppressed:      \(suppressed.sorted())")
            questioned.formUnion(suppressed.symmetricDifference(expectedSuppressed))
        }
        return lines + questioned.sorted().flatMap {
            trace(of: $0, on: engine, fired: fired.contains($0), countersBefore: countersBefore)
        }
    }

    /// Why a rule whose outcome was not the expected one fired or not: what became of it, then
    /// each comparison and aggregate with its value, read from the engine right after the event.
    private static func trace(
        of ruleID: String, on engine: Engine, fired: Bool, countersBefore: [EngineStatistics.RuleCounters]
    ) -> [String] {
        guard let index = engine.plan.rules.firstIndex(where: { $0.id == ruleID }),
              let explanation = engine.explainLastEvent(rule: ruleID) else { return [] }
        let before = countersBefore[index]
        let after = engine.statistics.rules[index]
        let outcome =
            if fired { "fired" }
            else if after.suppressed > before.suppressed { "matched, but its cooldown held the alert back" }
            else if after.unknown > before.unknown { "did not fire, a value it reads is unknown" }
            else { "did not fire, its expression is false" }
        return ["    \(ruleID) \(outcome):"] + explanation.traceLines.map { "      " + $0 }
    }

    /// Feeds one event to the engine and reads what became of it, for the judged rules only; a
    /// held-back firing shows only in the engine's counters, so they are compared with `countersBefore`.
    private static func observe(
        _ event: RuleTestEvent, on engine: Engine, offset: Int64, judging judged: Set<String>?,
        _ countersBefore: [EngineStatistics.RuleCounters]
    ) -> Observation {
        var bytes = Array(event.message.utf8)
        let outcome = bytes.withUnsafeMutableBytes {
            engine.process(UnsafeRawBufferPointer($0), source: EventSource(topic: "test", partition: 0, offset: offset), now: event.time)
        }
        switch outcome {
        case .evaluated(let alerts):
            let fired = Set(alerts.map(\.ruleID))
            let heldBack = Set(zip(countersBefore, engine.statistics.rules).compactMap { before, after in
                after.suppressed > before.suppressed ? after.ruleID : nil
            })
            let onlyJudged = { (rules: Set<String>) in judged.map(rules.intersection) ?? rules }
            return .evaluated(fired: onlyJudged(fired), suppressed: onlyJudged(heldBack))
        case .rejected(let failure): return .rejected(failure)
        case .late: return .late
        // Rule tests run without deduplication and pass no message time, so an event is never a
        // repeat nor too far ahead.
        case .duplicate, .aheadOfMessage: return .evaluated(fired: [], suppressed: [])
        }
    }
}

/// The newest event time a test has counted, to say how far behind it an event was.
private struct TestClock {
    let allowedLateness: Int64
    private var newest: Int64?

    init(allowedLateness: Int64) {
        self.allowedLateness = allowedLateness
    }

    /// The allowed lateness, as an analyst would write it.
    var lateness: String {
        "more than \(ReadableDuration.text(milliseconds: allowedLateness)) behind the newest event time"
    }

    mutating func count(_ time: Int64) {
        newest = max(newest ?? time, time)
    }

    /// Whether an event at `time` is late or on time, and by how much, against the newest time counted before it.
    func describe(_ time: Int64) -> String {
        let allowed = ReadableDuration.text(milliseconds: allowedLateness)
        guard let newest, newest > time else { return "on time: the newest event so far" }
        let behind = "\(ReadableDuration.text(milliseconds: newest - time)) behind the newest event time "
            + "(\(RFC3339.format(milliseconds: newest)))"
        return newest - time > allowedLateness
            ? "late: \(behind), more than the allowed \(allowed)"
            : "on time: \(behind), within the allowed \(allowed)"
    }
}
