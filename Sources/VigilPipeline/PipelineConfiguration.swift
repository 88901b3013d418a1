package import Metrics
package import VigilEngine
package import VigilKafka
package import VigilRules

/// Everything a pipeline needs besides its rules.
package struct PipelineConfiguration: Sendable {
    package var consumer: ConsumerConfiguration
    package var producer: ProducerConfiguration
    package var inputTopic: String
    package var alertTopic: String
    /// Alerts of rules in `mode: shadow` go here, never to `alertTopic`.
    package var shadowAlertTopic: String
    package var deadLetterTopic: String
    /// The fields the input topic's messages are keyed by (partitioned by). Rules keyed by
    /// anything else run on repartition topics. Empty when the input's key means nothing.
    package var inputKey = ["card_id"]
    /// Outputs and offsets commit in one Kafka transaction per batch (needs
    /// `producer.transactionalID`); otherwise at-least-once with deterministic alert ids.
    package var isExactlyOnce = false
    package var engine = EngineOptions()
    package var badInput = BadInputGuard.Limits()
    /// Messages taken from the consumer per loop at most.
    package var batchSize = 2000
    /// At least once: outputs are flushed and offsets committed at most this often (and when
    /// stopping), not after every poll, so a busy loop is not held up by a round trip each time.
    /// A crash or a partition moving away replays about this much, with the same alert ids.
    /// Exactly once commits every batch's transaction regardless.
    package var commitInterval = Duration.milliseconds(100)
    package var pollTimeout = Duration.milliseconds(100)
    /// Threads that evaluate a batch's partitions at the same time (each partition has its own
    /// engine). One by default: a replica scales out by partitions across pods first, and a
    /// second thread only pays when the pod has a core the Kafka client threads do not need.
    package var evaluationThreads = 1
    /// Where partition snapshots go (see `SnapshotStore`); nil: partitions are restored by replay only.
    package var snapshotTopic: String?
    /// A partition whose state changed is snapshotted at the first commit after this much time,
    /// and at shutdown. A new owner replays only what followed the snapshot; each snapshot writes
    /// the partition's whole state, so a shorter interval writes more.
    package var snapshotInterval = Duration.seconds(300)
    /// How long a new owner waits for a snapshot before it restores by replay instead.
    package var snapshotLoadTimeout = Duration.seconds(30)
    /// How long closing the consumer (leaving the group) may take at shutdown.
    package var closeTimeout = Duration.seconds(5)
    /// Where the pipeline records its metrics; nil: the process's (`MetricsSystem.bootstrap`).
    /// Pipelines that share a process (tests) each give their own, to read their figures apart.
    package var metricsFactory: (any MetricsFactory)?
    /// A finding that refuses a rule set before it runs, at start or on a reload (the command line
    /// holds sets to a window-state budget with it); nil: every valid set is taken.
    package var refusal: (@Sendable (RulePlan) -> Diagnostic?)?

    package init(
        consumer: ConsumerConfiguration,
        producer: ProducerConfiguration,
        inputTopic: String,
        alertTopic: String,
        shadowAlertTopic: String? = nil,
        deadLetterTopic: String? = nil
    ) {
        self.consumer = consumer
        self.producer = producer
        self.inputTopic = inputTopic
        self.alertTopic = alertTopic
        self.shadowAlertTopic = shadowAlertTopic ?? "\(alertTopic).shadow"
        self.deadLetterTopic = deadLetterTopic ?? "\(inputTopic).dead-letter"
        self.snapshotTopic = Self.snapshotTopic(group: consumer.groupID, input: inputTopic)
    }

    /// The producer the pipeline writes with: ``producer``, with sends that never expire and
    /// never leave a gap, unless transactions bound them.
    ///
    /// A send that expired or failed while a later send to the same partition got through would
    /// leave a gap. The commit would then fail, and the input would be read again, but a
    /// repartition partition skips input offsets below the newest it has counted: the events of
    /// the gap would never be counted. An idempotent producer whose sends never expire delivers
    /// each partition's sends in order; librdkafka's gapless guarantee turns any other failure
    /// that could leave a gap into a fatal error, which stops the replica before anything later
    /// is committed. A broker that stays away fails the commit's flush instead. Timeouts passed
    /// through as librdkafka properties are dropped here, since they would bring expiry back.
    package var outputProducer: ProducerConfiguration {
        var configuration = producer
        guard !isExactlyOnce else { return configuration }
        configuration.deliveryTimeoutMilliseconds = 0
        for expiry in ["delivery.timeout.ms", "message.timeout.ms"] { configuration.kafka.properties[expiry] = nil }
        // librdkafka refuses the guarantee without idempotence, which Vigil always turns on.
        if configuration.isIdempotent { configuration.kafka.properties["enable.gapless.guarantee"] = "true" }
        return configuration
    }

    /// The default snapshot topic, named after the group like the repartition topics.
    package static func snapshotTopic(group: String, input: String) -> String {
        "\(group)-\(input)-snapshots"
    }
}

extension PipelineConfiguration {
    /// Where each rule of `plan` runs for this input; repartition topics are named after the group.
    /// - Throws: the ``refusal`` of the plan, or why it cannot run on this input.
    package func topology(for plan: RulePlan) throws(Diagnostics) -> PipelineTopology {
        if let problem = refusal?(plan) { throw Diagnostics(items: [problem]) }
        return try PipelineTopology(plan: plan, inputTopic: inputTopic, inputKey: inputKey, group: consumer.groupID)
    }
}

