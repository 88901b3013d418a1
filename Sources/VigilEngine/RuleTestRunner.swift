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
        package var eventsChecked = 0
        package var failures: [Failure] = []

        package var casesFailed: Int { Set(failures.map { "\($0.location.file)#\($0.testName)" }).count }
    }

    package static func run(_ suites: [RuleTestSuite], plan: RulePlan) -> Report {
        var report = Report()
        for testCase in suites.flatMap(\.cases) {
            let failures = run(testCase, plan: plan, eventsChecked: &report.eventsChecked)
            if failures.isEmpty { report.casesPassed += 1 }
            report.failures += failures
        }
        return report
    }

    /// Tests may replay events in any order within a year, the longest window a rule may have.
    private static let allowedLatenessMilliseconds: Int64 = 366 * 86_400_000

    /// Runs one case; the suite's rule ids were checked when it was loaded.
    private static func run(_ testCase: RuleTestCase, plan: RulePlan, eventsChecked: inout Int) -> [Failure] {
        var options = EngineOptions()
        options.allowedLatenessMilliseconds = allowedLatenessMilliseconds
        let engine = Engine(plan: plan, options: options)
        let judged = testCase.rules.map(Set.init)
        var failures: [Failure] = []
        for (index, event) in testCase.events.enumerated() {
            eventsChecked += 1
            let countersBefore = engine.statistics.rules
            let got = fired(by: event, on: engine, offset: Int64(index)).map { judged.map($0.intersection) ?? $0 }
            let label = "event \(index + 1) (\(event.eventID) at \(RFC3339.format(milliseconds: event.time)))"
            switch got {
            case .success(let rules) where rules != event.expected:
                let traces = rules.symmetricDifference(event.expected).sorted().flatMap {
                    trace(of: $0, on: engine, fired: rules.contains($0), countersBefore: countersBefore)
                }
                failures.append(Failure(
                    location: event.location, testName: testCase.name,
                    message: (["\(label)", "    expected: \(event.expected.sorted())", "    got:      \(rules.sorted())"] + traces)
                        .joined(separator: "\n")
                ))
            case .failure(let problem):
                failures.append(Failure(location: event.location, testName: testCase.name, message: "\(label): \(problem.text)"))
            case .success:
                continue
            }
        }
        return failures
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

    private struct Problem: Error {
        let text: String
    }

    private static func fired(by event: RuleTestEvent, on engine: Engine, offset: Int64) -> Result<Set<String>, Problem> {
        var bytes = Array(event.message.utf8)
        let outcome = bytes.withUnsafeMutableBytes {
            engine.process(UnsafeRawBufferPointer($0), source: EventSource(topic: "test", partition: 0, offset: offset), now: event.time)
        }
        switch outcome {
        case .evaluated(let alerts): return .success(Set(alerts.map(\.ruleID)))
        case .rejected(let failure): return .failure(Problem(text: "the event is not valid: \(failure.reason) (\(failure.detail))"))
        case .late:
            let lateness = DurationText.text(milliseconds: allowedLatenessMilliseconds)
            return .failure(Problem(
                text: "the event is older than the newest event time by more than the allowed lateness (\(lateness))"))
        }
    }
}
