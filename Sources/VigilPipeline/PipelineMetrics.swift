import Metrics
import VigilEngine
import VigilKafka
import VigilRules

/// Vigil's metrics, recorded through swift-metrics once per batch (never per event).
///
/// Names follow Prometheus conventions: `vigil_` prefix, `_total` for counters, base units.
/// Per-rule series are made at 0 when the rule set is installed, per-reason series the first time
/// the reason appears (those alerts watch exist from the start: `DeadLetterReason.countedFromZero`).
final class PipelineMetrics {
    private let consumed: Counter
    private let evaluated: Counter
    private let late: Counter
    private let batchDuration: Timer
    private let evaluationPerEvent: Timer
    private let endToEnd: Timer
    private let activeKeys: Gauge
    private let retainedEntries: Gauge
    private let windowBytes: Gauge
    private let producerQueue: Gauge
    private let replayed: Counter
    private let restoreDuration: Timer
    private let backfilled: Counter
    private let backfilling: Gauge
    private let historyLost: Counter
    private let snapshotsWritten: Counter
    private let snapshotBytes: Counter
    private let snapshotDuration: Timer
    private let snapshotsLoaded: Counter
    private let snapshotsRefused: Counter
    private let repartitioned: Counter
    private let duplicatesSkipped: Counter
    private let partitionsAssigned: Counter
    private let partitionsRevoked: Counter
    private let partitionsLost: Counter
    private var alerts: [String: Counter] = [:]
    private var shadowAlerts: [String: Counter] = [:]
    private var deadLetters: [String: Counter] = [:]
    private var unknown: [String: Counter] = [:]
    private var suppressed: [String: Counter] = [:]
    private var lag: [TopicPartition: Gauge] = [:]
    /// The info series of the rule set in force; replaced, never added to, when the set changes.
    private var ruleSetInfo: Gauge?
    /// One info series per rule of the set in force, replaced with the set.
    private var ruleInfo: [Gauge] = []
    private let ruleSetLoadedAt: Gauge
    private var kafkaGauges: [String: Gauge] = [:]
    /// Rule counters are cumulative; metrics get the difference since the last loop.
    private var lastRuleCounts: [String: (unknown: Int, suppressed: Int)] = [:]
    /// Where every series is made, also those that appear later (per rule, reason, partition, broker).
    private let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
        consumed = Counter(label: "vigil_events_consumed_total", factory: factory)
        evaluated = Counter(label: "vigil_events_evaluated_total", factory: factory)
        late = Counter(label: "vigil_late_events_total", factory: factory)
        batchDuration = Timer(label: "vigil_batch_duration_seconds", factory: factory)
        evaluationPerEvent = Timer(label: "vigil_evaluation_seconds", factory: factory)
        endToEnd = Timer(label: "vigil_end_to_end_latency_seconds", factory: factory)
        activeKeys = Gauge(label: "vigil_window_active_keys", factory: factory)
        retainedEntries = Gauge(label: "vigil_window_entries", factory: factory)
        windowBytes = Gauge(label: "vigil_window_memory_bytes", factory: factory)
        producerQueue = Gauge(label: "vigil_producer_queue_messages", factory: factory)
        replayed = Counter(label: "vigil_restore_replayed_messages_total", factory: factory)
        restoreDuration = Timer(label: "vigil_restore_duration_seconds", factory: factory)
        backfilled = Counter(label: "vigil_backfilled_messages_total", factory: factory)
        backfilling = Gauge(label: "vigil_backfilling_partitions", factory: factory)
        historyLost = Counter(label: "vigil_restore_history_lost_total", factory: factory)
        snapshotsWritten = Counter(label: "vigil_snapshots_written_total", factory: factory)
        snapshotBytes = Counter(label: "vigil_snapshot_bytes_written_total", factory: factory)
        snapshotDuration = Timer(label: "vigil_snapshot_duration_seconds", factory: factory)
        snapshotsLoaded = Counter(label: "vigil_restore_snapshots_total", dimensions: [("outcome", "loaded")], factory: factory)
        snapshotsRefused = Counter(label: "vigil_restore_snapshots_total", dimensions: [("outcome", "refused")], factory: factory)
        repartitioned = Counter(label: "vigil_events_repartitioned_total", factory: factory)
        duplicatesSkipped = Counter(label: "vigil_repartition_duplicates_skipped_total", factory: factory)
        partitionsAssigned = Counter(label: "vigil_partition_changes_total", dimensions: [("change", "assigned")], factory: factory)
        partitionsRevoked = Counter(label: "vigil_partition_changes_total", dimensions: [("change", "revoked")], factory: factory)
        partitionsLost = Counter(label: "vigil_partition_changes_total", dimensions: [("change", "lost")], factory: factory)
        ruleSetLoadedAt = Gauge(label: "vigil_ruleset_loaded_timestamp_seconds", factory: factory)
        for reason in DeadLetterReason.countedFromZero {
            deadLetters[reason] = Counter(label: "vigil_dead_letters_total", dimensions: [("reason", reason)], factory: factory)
        }
    }

    func record(_ batch: BatchTally, duration: Duration) {
        consumed.increment(by: batch.consumed)
        evaluated.increment(by: batch.evaluated)
        late.increment(by: batch.late)
        repartitioned.increment(by: batch.repartitioned)
        duplicatesSkipped.increment(by: batch.duplicatesSkipped)
        batchDuration.recordNanoseconds(duration.nanoseconds)
        if batch.evaluated > 0 { evaluationPerEvent.recordNanoseconds(batch.evaluationNanoseconds / Int64(batch.evaluated)) }
        for sample in batch.endToEndSamples { endToEnd.recordNanoseconds(sample) }
        add(batch.alertsByRule, to: &alerts, label: "vigil_alerts_total", dimension: "rule")
        add(batch.shadowAlertsByRule, to: &shadowAlerts, label: "vigil_shadow_alerts_total", dimension: "rule")
        add(batch.deadLettersByReason, to: &deadLetters, label: "vigil_dead_letters_total", dimension: "reason")
    }

    func record(_ counts: [String: RuleCounts]) {
        for (rule, count) in counts {
            let last = lastRuleCounts[rule] ?? (0, 0)
            add([rule: max(0, count.unknown - last.unknown)], to: &unknown, label: "vigil_rule_unknown_total", dimension: "rule")
            add([rule: max(0, count.suppressed - last.suppressed)], to: &suppressed, label: "vigil_rule_suppressed_total", dimension: "rule")
            lastRuleCounts[rule] = (count.unknown, count.suppressed)
        }
    }

    /// - Parameter owned: the partitions the replica holds now. The lag series of a partition it
    ///   no longer holds is removed, so that summing the lag over replicas (as the autoscaler does)
    ///   counts each partition once, by its current owner.
    func record(
        state: Engine.StateSummary, producerQueueLength: Int, lag partitionLag: [TopicPartition: Int64], owned: Set<TopicPartition>
    ) {
        activeKeys.record(state.activeKeys)
        retainedEntries.record(state.retainedEntries)
        windowBytes.record(state.estimatedBytes)
        producerQueue.record(producerQueueLength)
        for (partition, gauge) in lag where !owned.contains(partition) {
            gauge.destroy()
            lag[partition] = nil
        }
        for (partition, behind) in partitionLag {
            let gauge = lag[partition] ?? Gauge(
                label: "vigil_consumer_lag_messages", dimensions: [("topic", partition.topic), ("partition", String(partition.partition))],
                factory: factory)
            lag[partition] = gauge
            gauge.record(behind)
        }
    }

    /// The rule set now in force. Its version is a label of a constant series, so that a dashboard
    /// can tell replicas apart that run different sets after a rollout or a partial reload; the
    /// series of the set it replaces is removed, so each replica shows exactly one version.
    /// Each rule's severity and mode are labels of a series of its own, which a query joins to
    /// per-rule counters to read alerts by severity.
    func recordRuleSet(_ plan: RulePlan, loadedAtMilliseconds: Int64) {
        ruleSetInfo?.destroy()
        let info = Gauge(label: "vigil_ruleset_info", dimensions: [("version", plan.version)], factory: factory)
        info.record(1)
        ruleSetInfo = info
        for gauge in ruleInfo { gauge.destroy() }
        ruleInfo = plan.rules.map { rule in
            let gauge = Gauge(
                label: "vigil_rule_info",
                dimensions: [("rule", rule.id), ("severity", rule.severity.rawValue), ("mode", rule.mode.rawValue)],
                factory: factory)
            gauge.record(1)
            return gauge
        }
        ruleSetLoadedAt.record(Double(loadedAtMilliseconds) / 1000)
        // Every rule's counters exist from the start, at 0, for the same reason as the reloads'.
        for rule in plan.rules {
            if rule.mode == .shadow {
                counter(rule.id, in: &shadowAlerts, label: "vigil_shadow_alerts_total", dimension: "rule")
            } else {
                counter(rule.id, in: &alerts, label: "vigil_alerts_total", dimension: "rule")
            }
            counter(rule.id, in: &unknown, label: "vigil_rule_unknown_total", dimension: "rule")
            if rule.cooldownMilliseconds != nil {
                counter(rule.id, in: &suppressed, label: "vigil_rule_suppressed_total", dimension: "rule")
            }
        }
    }

    /// Partitions that came or went in a rebalance: a group that keeps rebalancing (members
    /// joining and leaving in a loop) shows as a steady rate here rather than only in the logs.
    func recordAssigned(_ count: Int) {
        partitionsAssigned.increment(by: count)
    }

    func recordRevoked(_ count: Int, isLost: Bool) {
        (isLost ? partitionsLost : partitionsRevoked).increment(by: count)
    }

    func recordReplayed(_ messages: Int) {
        replayed.increment(by: messages)
    }

    func recordBackfilled(_ messages: Int) {
        backfilled.increment(by: messages)
    }

    /// The partitions reading their history again after a reload, counted where the status gets
    /// the names `GET /rules` lists, so that the two agree; measured as soon as a backfill begins or ends.
    func recordBackfilling(partitions: Int) {
        backfilling.record(partitions)
    }

    /// One partition's state rebuilt, from assignment to live.
    func recordRestore(duration: Duration) {
        restoreDuration.recordNanoseconds(duration.nanoseconds)
    }

    /// A partition's snapshot queued on the producer, and how long encoding it took (off the
    /// processing loop, except at shutdown).
    func recordSnapshotWritten(bytes: Int, duration: Duration) {
        snapshotsWritten.increment()
        snapshotBytes.increment(by: bytes)
        snapshotDuration.recordNanoseconds(duration.nanoseconds)
    }

    /// A restore that started from a snapshot, or had to replay because the snapshot was unusable.
    func recordSnapshotLoad(succeeded: Bool) {
        (succeeded ? snapshotsLoaded : snapshotsRefused).increment()
    }

    /// A restore wanted history the topic no longer holds.
    func recordHistoryLost() {
        historyLost.increment()
    }

    /// librdkafka's own view: round trip and outstanding requests per broker, and queued messages.
    func record(_ statistics: KafkaStatistics?, client: String) {
        guard let statistics else { return }
        gauge("vigil_kafka_queued_messages", [("client", client)]).record(statistics.queuedMessages)
        for broker in statistics.brokers {
            let dimensions = [("client", client), ("broker", broker.name)]
            gauge("vigil_kafka_broker_rtt_seconds", dimensions).record(broker.averageRoundTripSeconds)
            gauge("vigil_kafka_broker_outstanding_requests", dimensions).record(broker.outstandingRequests)
        }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        let key = label + dimensions.map { "|\($0.1)" }.joined()
        if let existing = kafkaGauges[key] { return existing }
        let created = Gauge(label: label, dimensions: dimensions, factory: factory)
        kafkaGauges[key] = created
        return created
    }

    private func add(_ counts: [String: Int], to series: inout [String: Counter], label: String, dimension: String) {
        for (value, count) in counts where count > 0 {
            counter(value, in: &series, label: label, dimension: dimension).increment(by: count)
        }
    }

    /// The series of one label value, made (at 0) the first time it is asked for.
    @discardableResult
    private func counter(_ value: String, in series: inout [String: Counter], label: String, dimension: String) -> Counter {
        if let counter = series[value] { return counter }
        let counter = Counter(label: label, dimensions: [(dimension, value)], factory: factory)
        series[value] = counter
        return counter
    }
}

/// Rule reloads, counted where they are decided. Both series exist from the start, at 0: an alert
/// on `increase(…)` sees nothing of a series whose first sample is already 1.
struct ReloadMetrics {
    let applied = Counter(label: "vigil_rule_reloads_total", dimensions: [("result", "applied")])
    let rejected = Counter(label: "vigil_rule_reloads_total", dimensions: [("result", "rejected")])
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// The `# HELP` text of every metric the pipeline records, by name: what a dashboard shows beside
/// a series, so that its meaning and unit do not have to be looked up.
package enum PipelineMetricHelp {
    package static let texts: [String: String] = [
        "vigil_events_consumed_total": "Messages read from the input topic, valid or not.",
        "vigil_events_evaluated_total": "Input events the rules were evaluated on.",
        "vigil_late_events_total": "Events that arrived later than the allowed lateness and were dead-lettered.",
        "vigil_alerts_total": "Alerts published to the alert topic, by rule.",
        "vigil_shadow_alerts_total": "Alerts of rules in shadow mode published to the shadow topic, by rule.",
        "vigil_rule_unknown_total": "Evaluations a rule could not decide because a field or aggregate was missing, by rule.",
        "vigil_rule_suppressed_total": "Firings a rule's cooldown held back, by rule.",
        "vigil_dead_letters_total": "Messages copied to the dead-letter topic, by reason.",
        "vigil_rule_reloads_total": "Rule reloads, by result: applied or rejected.",
        "vigil_ruleset_info": "Always 1; its version label is the content hash of the rule set this replica runs.",
        "vigil_rule_info": "Always 1, one series per rule in force; its labels are the rule's severity and mode (active or shadow).",
        "vigil_ruleset_loaded_timestamp_seconds": "When the rule set in force was swapped in, in seconds since the Unix epoch.",
        "vigil_batch_duration_seconds": "Time to process one polled batch of messages.",
        "vigil_evaluation_seconds": "Time to decode and evaluate one event.",
        "vigil_end_to_end_latency_seconds": "From an event's producer timestamp to its evaluation (sampled).",
        "vigil_window_active_keys": "Keys with at least one entry in a window.",
        "vigil_window_entries": "Entries retained by all windows.",
        "vigil_window_memory_bytes": "Estimated memory held by the windows.",
        "vigil_producer_queue_messages": "Messages queued in the producer, not yet acknowledged by Kafka.",
        "vigil_consumer_lag_messages": "Messages between the committed position and the end of a partition this replica holds.",
        "vigil_partition_changes_total": "Partitions assigned, revoked or lost in rebalances; a steady rate means the group keeps rebalancing.",
        "vigil_events_repartitioned_total": "Events forwarded to a repartition topic for rules keyed by another field.",
        "vigil_repartition_duplicates_skipped_total": "Repartitioned copies skipped because a replayed input batch had sent them already.",
        "vigil_restore_replayed_messages_total": "Messages replayed to rebuild window state after a partition was assigned.",
        "vigil_restore_history_lost_total": "Restores and backfills that needed history the topic's retention had already removed.",
        "vigil_backfilled_messages_total": "Messages read again after a rule reload to fill the windows the new rules started.",
        "vigil_backfilling_partitions": "Partitions reading their history again after a rule reload; their live events wait meanwhile.",
        "vigil_restore_duration_seconds": "Time from a partition's assignment until its window state is live.",
        "vigil_restore_snapshots_total": "Snapshots of arriving partitions, by outcome: loaded, or refused and replaced by replay.",
        "vigil_snapshots_written_total": "Partition snapshots written to the snapshot topic.",
        "vigil_snapshot_bytes_written_total": "Bytes of partition snapshots written to the snapshot topic.",
        "vigil_snapshot_duration_seconds": "Time to encode one partition's snapshot.",
        "vigil_kafka_broker_rtt_seconds": "Average round-trip time to a broker, from librdkafka's statistics.",
        "vigil_kafka_broker_outstanding_requests": "Requests sent to a broker and not yet answered, from librdkafka's statistics.",
        "vigil_kafka_queued_messages": "Messages in librdkafka's queues, from its statistics.",
    ]
}
