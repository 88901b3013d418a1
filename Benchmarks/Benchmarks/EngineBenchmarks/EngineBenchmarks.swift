import Benchmark
import BenchmarkSupport
import VigilEngine
import VigilEvents
import VigilRules
import VigilTraffic
import VigilValues

/// Throughput and allocation benchmarks of the hot path on one core, without Kafka.
///
/// Every benchmark processes ``Workload/eventsPerIteration`` events per iteration with the scaling
/// factor `.kilo`, so the text table shows figures per event. Iteration counts are fixed, so every
/// run measures the same events and allocation counts repeat; `Thresholds/` gates the p90 of
/// mallocs per 1,000 events, allowing 50 more (0.05 per event). Wall-clock figures are reported,
/// never gated.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 0,
        scalingFactor: .kilo,
        maxDuration: .seconds(120),
        maxIterations: Workload.iterations,
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 50])]
    )
    for ruleSet in RuleSet.allCases {
        registerEngineBenchmark(ruleSet)
    }
    registerDecoderBenchmark()
    registerWindowBenchmark()
}

/// Decode, windows and rules for one rule set, after a warm-up that fills the five-minute windows.
private func registerEngineBenchmark(_ ruleSet: RuleSet) {
    var run: EngineRun?
    let metrics = Benchmark.defaultConfiguration.metrics + [Footprint.alertsPerThousand]
    Benchmark("Engine-\(ruleSet.rawValue)-rules", configuration: .init(metrics: metrics)) { benchmark in
        guard let run else { return benchmark.error("setup did not run") }
        run.process(Workload.eventsPerIteration)
        benchmark.stopMeasurement()
        benchmark.measurement(Footprint.alertsPerThousand, run.alerts * 1_000 / max(run.eventsProcessed, 1))
    } setup: {
        let warmed = EngineRun(plan: ruleSet.plan())
        warmed.process(Workload.warmUpEvents)
        run = warmed
    } teardown: {
        run = nil
    }
}

/// The decoder alone, reading the fields the reference rule set needs.
private func registerDecoderBenchmark() {
    let plan = RuleSet.reference.plan()
    let decoder = EventDecoder(fields: plan.fields + Footprint.entityFields(missingFrom: plan.fields))
    var event = PaymentEvent(fieldCount: 0)
    var cursor = 0
    Benchmark("Decoder-reference-fields") { benchmark in
        let batch = Workload.batch
        batch.bytes.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let message = UnsafeRawBufferPointer(rebasing: bytes[batch.range(of: cursor)])
                blackHole(decoder.decode(message, into: &event))
                cursor = cursor + 1 == batch.count ? 0 : cursor + 1
            }
        }
    }
}

/// The reference rule set's window stores alone, with their memory per entry and per key.
private func registerWindowBenchmark() {
    var run: WindowRun?
    let metrics = Benchmark.defaultConfiguration.metrics + Footprint.windowMetrics
    Benchmark("Windows-reference-aggregators", configuration: .init(metrics: metrics)) { benchmark in
        guard let run else { return benchmark.error("setup did not run") }
        blackHole(run.process(Workload.eventsPerIteration))
        benchmark.stopMeasurement()
        Footprint.measure(run, into: benchmark)
    } setup: {
        let warmed = WindowRun(plan: RuleSet.reference.plan())
        _ = warmed.process(Workload.warmUpEvents)
        run = warmed
    } teardown: {
        run = nil
    }
}
