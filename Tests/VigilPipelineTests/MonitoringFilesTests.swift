import Foundation
import Testing
import VigilPipeline

/// The shipped Prometheus alerts (deploy/base/prometheusrule.yaml) and Grafana dashboard
/// (deploy/base/grafana/vigil-dashboard.json) read metrics by name, and Prometheus cannot tell a
/// renamed metric from a quiet one: an alert would simply never fire, a panel would stay empty.
/// `scripts/validate-deployment` checks the expressions' syntax; this checks their names.
@Suite struct MonitoringFilesTests {
    static let deployBase = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "deploy/base")

    /// A histogram's series carry these suffixes after the metric's own name; a counter is
    /// exported under its own name, which already ends in `_total`.
    static let histogramSuffixes = ["_bucket", "_count", "_sum"]

    /// The `vigil_*` names a file reads, and those among them that are no series Vigil exports.
    static func metricNames(in file: String) throws -> (referenced: Set<String>, unknown: [String]) {
        let text = try String(contentsOf: deployBase.appending(path: file), encoding: .utf8)
        let referenced = Set(text.matches(of: /vigil_[a-z0-9_]+/).map { String($0.output) })
        let recorded = Set(PipelineMetricHelp.texts.keys)
        let unknown = referenced.filter { name in
            !recorded.contains(name)
                && !histogramSuffixes.contains { name.hasSuffix($0) && recorded.contains(String(name.dropLast($0.count))) }
        }
        return (referenced, unknown.sorted())
    }

    @Test func everyMetricTheAlertsReadIsOneVigilRecords() throws {
        let (referenced, unknown) = try Self.metricNames(in: "prometheusrule.yaml")
        #expect(unknown.isEmpty, "alerts read metrics Vigil does not record: \(unknown)")
        // The alerts cover the group's health, rule reloads, bad input, lost history and output.
        for name in [
            "vigil_consumer_lag_messages", "vigil_rule_reloads_total", "vigil_ruleset_info", "vigil_dead_letters_total",
            "vigil_late_events_total", "vigil_restore_history_lost_total", "vigil_partition_changes_total",
            "vigil_producer_queue_messages", "vigil_end_to_end_latency_seconds_bucket", "vigil_backfilling_partitions",
        ] {
            #expect(referenced.contains(name), "no alert reads \(name)")
        }
    }

    @Test func everyMetricTheDashboardReadsIsOneVigilRecords() throws {
        let (referenced, unknown) = try Self.metricNames(in: "grafana/vigil-dashboard.json")
        #expect(unknown.isEmpty, "the dashboard reads metrics Vigil does not record: \(unknown)")
        // The rows an SRE looks at first: throughput, lag, alerts, bad input, rule sets, state, output, latency.
        for name in [
            "vigil_events_consumed_total", "vigil_events_evaluated_total", "vigil_consumer_lag_messages",
            "vigil_alerts_total", "vigil_shadow_alerts_total", "vigil_dead_letters_total", "vigil_late_events_total",
            "vigil_rule_unknown_total", "vigil_ruleset_info", "vigil_rule_reloads_total", "vigil_backfilling_partitions",
            "vigil_restore_history_lost_total", "vigil_partition_changes_total", "vigil_producer_queue_messages",
            "vigil_batch_duration_seconds_bucket", "vigil_evaluation_seconds_bucket", "vigil_end_to_end_latency_seconds_bucket",
        ] {
            #expect(referenced.contains(name), "no dashboard panel reads \(name)")
        }
    }
}
