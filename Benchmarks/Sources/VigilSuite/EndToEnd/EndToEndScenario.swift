import BenchmarkSupport
import Histogram
import Logging
import SuiteReport
import VigilRules
import VigilTraffic

/// Vigil on loopback through librdkafka's mock cluster, against the Kafka-only ceilings measured
/// on the same broker in the same process, then produce-to-alert latency at half Vigil's rate.
struct EndToEndScenario {
    private let partitions: Int
    private let probeSeconds: Double
    private let fixedSeconds: Double
    private let latencySeconds: Double
    private let events: Int
    /// When set, only the latency runs (at this rate and at 1,000 events/s): for tuning without the rate searches.
    private let latencyRate: Int?
    /// The consumers whose sustained rate is searched (all by default; fewer for comparisons).
    private let sinks: [SinkKind]

    init(options: inout Options) throws {
        partitions = try options.int("partitions", default: 6)
        probeSeconds = try Double(options.int("probe-seconds", default: 8))
        fixedSeconds = try Double(options.int("seconds", default: 10))
        latencySeconds = try Double(options.int("latency-seconds", default: 20))
        events = try options.int("events", default: 2_000_000)
        let latencyRate = try options.int("latency-rate", default: Int.max)
        self.latencyRate = latencyRate == .max ? nil : latencyRate
        let sinkNames = options.string("sinks", default: SinkKind.allCases.map(\.rawValue).joined(separator: ","))
        sinks = try sinkNames.split(separator: ",").map { name in
            guard let kind = SinkKind(rawValue: String(name)) else {
                throw Options.Invalid(description: "--sinks takes names from \(SinkKind.allCases.map(\.rawValue)), got '\(name)'")
            }
            return kind
        }
        try options.checkAllRead()
    }

    func run() async throws -> ScenarioReport {
        let logger = Logger.bench
        let traffic = BenchmarkTraffic.Configuration.events(events)
        let workload = BenchmarkTraffic(traffic).makeBatch()
        let meanBytes = workload.bytes.count / max(workload.count, 1)
        let cluster = try LoopbackCluster(partitions: partitions, logger: logger)
        let retained = try RetentionProbe(cluster: cluster, workload: workload, logger: logger).retainedEvents()
        let checks = RunChecks(retainedMessages: retained)
        let bench = LoopbackBench(
            cluster: cluster, workload: workload, plan: RuleSet.reference.plan(), checks: checks, logger: logger
        )
        var report = ScenarioReport(scenario: "end-to-end", settings: settings(meanBytes: meanBytes, checks: checks))
        let latency = LatencyRun(
            bench: bench, firstEventNumber: traffic.seed &* 1_000_000_000 &+ 1,
            inputStageRules: Set(try bench.inputKeyedPlan().rules.map(\.id)))
        if let latencyRate {
            try await measureLatency(latency, sustained: Double(latencyRate) * 2, into: &report)
            return report
        }
        var rates: [SinkKind: Double] = [:]
        let search = RateSearch(bench: bench, probeSeconds: probeSeconds, fixedSeconds: fixedSeconds)
        for kind in sinks {
            let outcome = try await search.run(kind)
            report.runs += outcome.runs.map(\.summary)
            rates[kind] = record(outcome, of: kind, in: &report)
        }
        if let vigil = rates[.vigil], let ceiling = rates[.readWrite] {
            let share = 100 * vigil / ceiling
            report.figures.append(Figure(
                "Vigil ÷ read-write ceiling", share, unit: "%", target: "≥ 80 %", verdict: share >= 80 ? .met : .missed,
                note: "sustained rates of the same run"
            ))
        }
        if let twoThreads = rates[.vigilTwoThreads], let ceiling = rates[.readWrite] {
            report.figures.append(Figure(
                "Vigil, 2 evaluation threads ÷ read-write ceiling", 100 * twoThreads / ceiling, unit: "%",
                note: "--evaluation-threads 2 (the default is 1)"
            ))
        }
        if let inputKeyed = rates[.vigilInputKeyed], let ceiling = rates[.readWrite] {
            report.figures.append(Figure(
                "Vigil, card-keyed rules only ÷ read-write ceiling", 100 * inputKeyed / ceiling, unit: "%",
                note: "one topic read per event instead of three"
            ))
        }
        guard let vigil = rates[.vigil] else { return report }
        try await measureLatency(latency, sustained: vigil, into: &report)
        return report
    }

    private func measureLatency(_ latency: LatencyRun, sustained vigil: Double, into report: inout ScenarioReport) async throws {
        // Half the sustained rate is where the target is stated.
        let half = try await latency.measure(rate: (vigil / 2).rounded(), seconds: latencySeconds)
        record(half, label: "produce-to-alert at 50 % of sustained", hasTarget: true, in: &report)
        // A low fixed rate shows the floor without queueing. Not a share of the sustained rate:
        // the mock broker returns one message set per partition per fetch, and at a few thousand
        // events/s with `linger.ms=1` a set holds about one message, so a consumer of six
        // partitions drains only a few thousand events/s however idle it is.
        let low = try await latency.measure(rate: Self.lowLatencyRate, seconds: latencySeconds)
        record(low, label: "produce-to-alert at \(Int(Self.lowLatencyRate)) events/s", hasTarget: false, in: &report)
        // The same feed read straight back from the input topic: what Kafka alone adds on this machine.
        let floor = try await latency.measure(rate: (vigil / 2).rounded(), seconds: latencySeconds, kafkaOnly: true)
        record(floor, label: "produce-to-consume, Kafka only, at 50 %", hasTarget: false, in: &report)
    }

    private static let lowLatencyRate = 1000.0

    private func settings(meanBytes: Int, checks: RunChecks) -> [String: String] {
        [
            "partitions": "\(partitions)", "broker": "librdkafka mock cluster, 1 broker, in process, 127.0.0.1",
            "workload": "BenchmarkTraffic, \(events) events of \(meanBytes) bytes (mean), round-robin over partitions",
            "rules": "Benchmarks/rules/reference", "probe seconds": "\(probeSeconds)", "fixed-rate seconds": "\(fixedSeconds)",
            "latency seconds": "\(latencySeconds)", "retained events (measured)": "\(checks.retainedMessages)",
            "throughput settings": "\(KafkaSettings.throughput)", "latency settings": "\(KafkaSettings.latency)",
        ]
    }

    /// Adds a sink's sustained rate; returns it, or nil (and a failure) when no fixed rate held.
    private func record(_ outcome: RateSearch.Outcome, of kind: SinkKind, in report: inout ScenarioReport) -> Double? {
        let probeRate = outcome.probe.feed.consumerRateAfterStartUp
        guard let sustained = outcome.sustained else {
            report.figures.append(Figure("\(kind.title): sustained", 0, unit: "events/s", verdict: .failed, note: "probe \(Int(probeRate))/s"))
            report.failures.append("\(kind.title): no fixed rate held (see runs)")
            return nil
        }
        report.figures.append(Figure(
            "\(kind.title): sustained", sustained.plan.rate, unit: "events/s",
            note: "\(Int(fixedSeconds)) s fixed rate held (finished at \(Int(sustained.sinkRate))/s); probe \(Int(probeRate))/s"
        ))
        return sustained.plan.rate
    }

    private func record(_ latency: LatencyRun.Outcome, label: String, hasTarget: Bool, in report: inout ScenarioReport) {
        let run = latency.run
        report.runs.append("latency \(label): " + run.summary)
        let note = "\(Int(run.plan.rate)) events/s, \(KafkaSettings.latency), \(latency.histogram.totalCount) samples"
        let milliseconds = { (percentile: Double) in Double(latency.histogram.valueAtPercentile(percentile)) / 1000 }
        let p99 = milliseconds(99)
        let verdict: Figure.Verdict = !run.holds ? .failed : !hasTarget ? .info : p99 < 20 ? .met : .missed
        report.figures += [
            Figure("\(label): p50", milliseconds(50), unit: "ms", verdict: run.holds ? .info : .failed, note: note),
            Figure("\(label): p99", p99, unit: "ms", target: hasTarget ? "< 20 ms" : nil, verdict: verdict, note: note),
            Figure("\(label): p99.9", milliseconds(99.9), unit: "ms", verdict: run.holds ? .info : .failed, note: note),
            Figure("\(label): max", Double(latency.histogram.max) / 1000, unit: "ms", verdict: run.holds ? .info : .failed, note: note),
        ]
        for (part, histogram) in [("rules on the input topic, 2 hops", latency.inputStage), ("rules on repartition topics, 3 hops", latency.repartitioned)]
        where histogram.totalCount > 0 {
            let partNote = "\(Int(run.plan.rate)) events/s, \(histogram.totalCount) alerts"
            report.figures += [
                Figure("\(label), \(part): p50", Double(histogram.valueAtPercentile(50)) / 1000, unit: "ms", verdict: run.holds ? .info : .failed, note: partNote),
                Figure("\(label), \(part): p99", Double(histogram.valueAtPercentile(99)) / 1000, unit: "ms", verdict: run.holds ? .info : .failed, note: partNote),
            ]
        }
        if !run.holds { report.failures.append("latency \(label): " + run.failures.joined(separator: "; ")) }
        if latency.unmatched > 0 { report.failures.append("latency \(label): \(latency.unmatched) alerts named events never sent") }
    }
}
