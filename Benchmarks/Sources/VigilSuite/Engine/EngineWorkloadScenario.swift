import BenchmarkSupport
import Glibc
import SuiteReport
import VigilEngine
import VigilRules
import VigilTraffic

/// The engine alone over whole generated workloads of 1 and 10 million events (issue targets are
/// stated for both): throughput, peak memory and the window state left at the end.
///
/// The micro-benchmarks measure 500,000 events after a warm-up of 300,000, repeatably; this runs
/// each workload from an empty engine to its last event, so it also shows how the cost per event
/// changes as the window state grows to what a day of traffic holds. One engine, one thread:
/// `scripts/benchmark` pins the process to one core.
struct EngineWorkloadScenario {
    private let workloads: [Int]
    private let ruleSet: RuleSet

    init(options: inout Options) throws {
        let sizes = options.string("events", default: "1000000,10000000").split(separator: ",")
        workloads = try sizes.map {
            guard let count = Int($0), count > 0 else { throw Options.Invalid(description: "--events takes counts such as 1000000,10000000") }
            return count
        }
        let rules = options.string("rules", default: RuleSet.reference.rawValue)
        guard let ruleSet = RuleSet(rawValue: rules) else {
            throw Options.Invalid(description: "--rules takes \(RuleSet.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        self.ruleSet = ruleSet
        try options.checkAllRead()
    }

    func run() throws -> ScenarioReport {
        let plan = ruleSet.plan()
        var report = ScenarioReport(scenario: "engine-workloads", settings: [
            "rules": ruleSet == .reference ? "Benchmarks/rules/reference (the target's rule set)" : "rules/ (the starter policy)",
            "workload": "BenchmarkTraffic defaults: 200,000 Zipf-skewed cards, 100,000 accounts, one event per 20 ms of event time, 2 % up to 5 s out of order",
            "threads": "one engine on one thread, from empty",
        ])
        for count in workloads {
            try measure(count, plan: plan, into: &report)
        }
        return report
    }

    private func measure(_ count: Int, plan: RulePlan, into report: inout ScenarioReport) throws {
        let generating = ContinuousClock.now
        let batch = BenchmarkTraffic(.events(count)).makeBatch()
        let generated = ContinuousClock.now - generating
        let engine = Engine(plan: plan)
        let before = ProcessMemory.residentBytes()
        let source = EventSource(topic: "payments", partition: 0, offset: 0)
        var alerts = 0
        var late = 0
        let cpuStart = Self.threadCPUNanoseconds()
        let started = ContinuousClock.now
        batch.bytes.withUnsafeBytes { bytes in
            for index in 0..<batch.count {
                let message = UnsafeRawBufferPointer(rebasing: bytes[batch.range(of: index)])
                switch engine.process(message, source: source, now: 0) {
                case .evaluated(let fired): alerts += fired.count
                case .late: late += 1
                case .rejected, .duplicate, .aheadOfMessage: break
                }
            }
        }
        let wall = Self.seconds(ContinuousClock.now - started)
        let cpu = Double(Self.threadCPUNanoseconds() - cpuStart) / 1e9
        let state = engine.stateSummary
        let growth = Double(ProcessMemory.residentBytes() - before)
        let label = ReportTable.format(Double(count))
        let rate = Double(batch.count) / wall
        report.figures += [
            Figure(
                "engine, \(label) events", rate, unit: "events/s", target: ruleSet == .reference ? "≥ 1,000,000" : nil,
                verdict: ruleSet == .reference ? (rate >= 1_000_000 ? .met : .missed) : .info,
                note: "\(Int(wall * 1e9 / Double(batch.count))) ns/event wall, \(Int(cpu * 1e9 / Double(batch.count))) ns/event CPU"
            ),
            Figure("peak RSS, \(label) events", Double(ProcessMemory.peakResidentBytes()) / 1_048_576, unit: "MiB", note: "the workload's bytes included"),
            Figure(
                "bytes per retained entry, \(label) events", Double(state.estimatedBytes) / Double(max(state.retainedEntries, 1)), unit: "B",
                target: "< 150", verdict: Double(state.estimatedBytes) / Double(max(state.retainedEntries, 1)) < 150 ? .met : .missed,
                note: "engine's estimate over \(ReportTable.format(Double(state.retainedEntries))) entries; RSS growth ÷ entries \(Int(growth / Double(max(state.retainedEntries, 1)))) B"
            ),
            Figure(
                "bytes per active key, \(label) events", Double(state.estimatedBytes) / Double(max(state.activeKeys, 1)), unit: "B",
                note: "engine's estimate over \(ReportTable.format(Double(state.activeKeys))) keys (a key counts once per store)"
            ),
        ]
        report.runs.append(
            "\(batch.count) events generated in \(Int(Self.seconds(generated))) s, evaluated in \(ReportTable.format(wall)) s "
                + "(CPU \(ReportTable.format(cpu)) s): \(alerts) alerts, \(late) late, \(state.retainedEntries) entries, \(state.activeKeys) keys held at the end"
        )
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// CPU time of this thread: the engine's own time, whatever else the machine runs.
    private static func threadCPUNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
