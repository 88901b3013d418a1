import Metrics
import Prometheus
import Testing
@testable import VigilHTTP

@Suite struct MetricsBootstrapTests {
    @Test func timersLandInTheRegistryWithSubMillisecondBuckets() {
        let registry = MetricsBootstrap.makeRegistry()
        let factory = MetricsBootstrap.makeFactory(registry)
        Timer(label: "vigil_batch_seconds", factory: factory).recordNanoseconds(300_000)
        let text = registry.emitToString()
        #expect(text.contains(#"vigil_batch_seconds_bucket{le="0.0001"} 0"#))
        #expect(text.contains(#"vigil_batch_seconds_bucket{le="0.0005"} 1"#))
        #expect(text.contains(#"vigil_batch_seconds_bucket{le="10.0"} 1"#))
    }

    /// Every series of a metric is made with its help text, whichever kind of handler it is.
    @Test func helpTextsBecomeOneHelpLinePerMetric() {
        let registry = MetricsBootstrap.makeRegistry()
        let help = [
            "vigil_alerts_total": "Alerts published, by rule.", "vigil_lag": "Messages behind.",
            "vigil_batch_seconds": "Batch time.", "vigil_commit_seconds": "Commit time.",
        ]
        let factory = MetricsBootstrap.makeFactory(registry, help: help)
        Counter(label: "vigil_alerts_total", dimensions: [("rule", "a")], factory: factory).increment()
        Counter(label: "vigil_alerts_total", dimensions: [("rule", "b")], factory: factory).increment()
        Gauge(label: "vigil_lag", dimensions: [("partition", "0")], factory: factory).record(3)
        Timer(label: "vigil_batch_seconds", factory: factory).recordNanoseconds(300_000)
        Recorder(label: "vigil_commit_seconds", factory: factory).record(0.002)
        Counter(label: "vigil_undescribed_total", factory: factory).increment()
        let text = registry.emitToString()
        for (name, line) in help {
            #expect(text.split(separator: "\n").filter { $0 == "# HELP \(name) \(line)" }.count == 1, "\(text)")
        }
        #expect(text.contains("vigil_undescribed_total 1"))
    }

    @Test func countersGaugesAndRecordersLandInTheRegistry() {
        let registry = MetricsBootstrap.makeRegistry()
        let factory = MetricsBootstrap.makeFactory(registry)
        Counter(label: "vigil_alerts_total", dimensions: [("rule", "card-testing")], factory: factory).increment(by: 3)
        Gauge(label: "vigil_assigned_partitions", factory: factory).record(6)
        Recorder(label: "vigil_commit_seconds", factory: factory).record(0.002)
        let text = registry.emitToString()
        #expect(text.contains(#"vigil_alerts_total{rule="card-testing"} 3"#))
        #expect(text.contains("vigil_assigned_partitions 6"))
        #expect(text.contains(#"vigil_commit_seconds_bucket{le="0.0025"} 1"#))
    }
}
