import CoreMetrics
import Metrics
package import Prometheus

/// Routes every swift-metrics `Counter`, `Gauge`, `Timer` and `Recorder` of the process to one Prometheus registry.
package enum MetricsBootstrap {
    /// Histogram bounds in seconds, from a tenth of a millisecond (a batch of the hot path) to ten seconds
    /// (a stalled Kafka round trip); Prometheus adds `+Inf`.
    static let secondBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .microseconds(2500), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    package static func makeRegistry() -> PrometheusCollectorRegistry {
        PrometheusCollectorRegistry()
    }

    /// Installs the registry as the process's metrics backend; swift-metrics allows this once per process.
    /// - Parameter help: the `# HELP` text of each metric, by name.
    package static func bootstrap(_ registry: PrometheusCollectorRegistry, help: [String: String]) {
        MetricsSystem.bootstrap(makeFactory(registry, help: help))
    }

    /// Timers and recorders share the seconds buckets, since Vigil records durations with both.
    static func makeFactory(_ registry: PrometheusCollectorRegistry, help: [String: String] = [:]) -> DescribedMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = secondBuckets
        factory.defaultValueHistogramBuckets = secondBuckets.map(Self.seconds)
        return DescribedMetricsFactory(prometheus: factory, help: help)
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The Prometheus factory with a `# HELP` line for each metric named in `help`.
///
/// swift-metrics has no place for a help text, and the registry requires every series of a metric
/// to be made with the same one, so every kind of handler is made here with the text of its name.
struct DescribedMetricsFactory: MetricsFactory {
    let prometheus: PrometheusMetricsFactory
    let help: [String: String]

    private var registry: PrometheusCollectorRegistry { prometheus.registry }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        let buckets = prometheus.valueHistogramBuckets[label] ?? prometheus.defaultValueHistogramBuckets
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = prometheus.durationHistogramBuckets[label] ?? prometheus.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        .named(label, help: help[label] ?? "")
    }

    func destroyCounter(_ handler: any CounterHandler) { prometheus.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { prometheus.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { prometheus.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { prometheus.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { prometheus.destroyTimer(handler) }
}

extension MetricNameDescriptor {
    /// A metric named in full, as swift-metrics labels and the process metrics name them.
    static func named(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
