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
