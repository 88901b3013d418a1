import Foundation
import Testing
import VigilPipeline

/// The shipped Prometheus alerts (deploy/base/prometheusrule.yaml) read metrics by name, and
/// Prometheus cannot tell a renamed metric from a quiet one: the alert would simply never fire.
/// `scripts/validate-deployment` checks the expressions' syntax; this checks their names.
@Suite struct AlertingRulesTests {
    static let alertingRules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "deploy/base/prometheusrule.yaml")

    /// A histogram's series carry these suffixes after the metric's own name.
    static let histogramSuffixes = ["_bucket", "_count", "_sum"]

    @Test func everyMetricTheAlertsReadIsOneVigilRecords() throws {
        let text = try String(contentsOf: Self.alertingRules, encoding: .utf8)
        let referenced = Set(text.matches(of: /vigil_[a-z0-9_]+/).map { String($0.output) })
        let recorded = Set(PipelineMetricHelp.texts.keys)
        let unknown = referenced.filter { name in
            !recorded.contains(name)
                && !Self.histogramSuffixes.contains { name.hasSuffix($0) && recorded.contains(String(name.dropLast($0.count))) }
        }
        #expect(unknown.isEmpty, "alerts read metrics Vigil does not record: \(unknown.sorted())")
        // The alerts cover the group's health, rule reloads, bad input, lost history and output.
        for name in [
            "vigil_consumer_lag_messages", "vigil_rule_reloads_total", "vigil_ruleset_info", "vigil_dead_letters_total",
            "vigil_late_events_total", "vigil_restore_history_lost_total", "vigil_partition_changes_total",
            "vigil_producer_queue_messages", "vigil_end_to_end_latency_seconds_bucket", "vigil_backfilling_partitions",
        ] {
            #expect(referenced.contains(name), "no alert reads \(name)")
        }
    }
}
