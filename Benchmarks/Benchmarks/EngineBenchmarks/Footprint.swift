import Benchmark
import BenchmarkSupport
import VigilValues

/// Custom metrics that describe state size rather than time.
enum Footprint {
    static let bytesPerEntry = BenchmarkMetric.custom("bytes per retained entry", useScalingFactor: false)
    static let bytesPerKey = BenchmarkMetric.custom("bytes per active key", useScalingFactor: false)
    static let retainedEntries = BenchmarkMetric.custom("retained entries", useScalingFactor: false)
    static let activeKeys = BenchmarkMetric.custom("active keys", useScalingFactor: false)
    static let alertsPerThousand = BenchmarkMetric.custom("alerts per 1000 events", useScalingFactor: false)

    static let windowMetrics = [bytesPerEntry, bytesPerKey, retainedEntries, activeKeys]

    static func measure(_ run: WindowRun, into benchmark: Benchmark) {
        let bytes = run.estimatedBytes
        benchmark.measurement(bytesPerEntry, bytes / max(run.retainedEntries, 1))
        benchmark.measurement(bytesPerKey, bytes / max(run.activeKeys, 1))
        benchmark.measurement(retainedEntries, run.retainedEntries)
        benchmark.measurement(activeKeys, run.activeKeys)
    }

    /// The entity fields the engine always decodes to key alerts, when the plan does not read them.
    static func entityFields(missingFrom fields: [FieldSpec]) -> [FieldSpec] {
        ["card_id", "account_id", "customer_id"].filter { name in !fields.contains { $0.name == name } }
            .map { FieldSpec(name: $0, type: .string) }
    }
}
