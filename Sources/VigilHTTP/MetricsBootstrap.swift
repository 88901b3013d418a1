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
    package static func bootstrap(_ registry: PrometheusCollectorRegistry) {
        MetricsSystem.bootstrap(makeFactory(registry))
    }

    /// Timers and recorders share the seconds buckets, since Vigil records durations with both.
    static func makeFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = secondBuckets
        factory.defaultValueHistogramBuckets = secondBuckets.map(Self.seconds)
        return factory
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
