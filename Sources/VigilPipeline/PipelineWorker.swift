import Logging
import VigilEngine
import VigilEvents
import VigilKafka
import VigilRules

/// The processing loop: poll a batch, evaluate it, send its alerts and dead letters, wait for the
/// broker to acknowledge all of them, then commit the batch's offsets.
///
/// That order is the at-least-once guarantee: an offset is committed only after everything its
/// message caused is durable. A crash between send and commit replays the batch, and replayed
/// alerts carry the same `alert_id`. Runs on one dedicated thread; blocking calls are fine here.
final class PipelineWorker {
    private let configuration: PipelineConfiguration
    private let status: PipelineStatus
    private let logger: Logger
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let engine: Engine
    private let pendingPlan: PendingPlan
    private var badInput: BadInputGuard
    /// Partitions of the input topic this member owns now.
    private var assignment: Set<Int32> = []
    /// The next offset to read, as last committed, by input partition.
    private var lastCommitted: [Int32: Int64] = [:]
    private var tally = BatchTally()
    private let metrics = PipelineMetrics()
    /// One message in this many has its end-to-end latency sampled.
    private static let latencySampling = 64

    init(
        configuration: PipelineConfiguration, plan: RulePlan, pendingPlan: PendingPlan, status: PipelineStatus, logger: Logger
    ) throws(KafkaError) {
        self.configuration = configuration
        self.pendingPlan = pendingPlan
        self.status = status
        self.logger = logger
        self.producer = try KafkaProducer(configuration: configuration.producer, logger: logger)
        self.consumer = try KafkaConsumer(configuration: configuration.consumer, logger: logger)
        self.engine = Engine(plan: plan, options: configuration.engine)
        self.badInput = BadInputGuard(limits: configuration.badInput)
        status.update {
            $0.rulesetVersion = plan.version
            $0.rulesetLoadedAt = WallClock.nowMilliseconds()
        }
    }

    /// Consumes until `shouldStop` turns true, then finishes the batch in hand, commits and leaves the group.
    func run(until shouldStop: () -> Bool) throws {
        try producer.prepare(topics: [configuration.alertTopic, configuration.shadowAlertTopic, configuration.deadLetterTopic])
        try consumer.subscribe(topics: [configuration.inputTopic])
        status.update { $0.phase = .running }
        defer { leaveGroup() }
        while !shouldStop() {
            let batch = try consumer.poll(maxMessages: configuration.batchSize, timeout: configuration.pollTimeout)
            swapInPendingPlan()
            let started = ContinuousClock.now
            try process(batch)
            let busy = batch.isEmpty ? Duration.zero : .now - started
            if !batch.isEmpty { metrics.record(tally, duration: busy) }
            publish(loopAt: .now, busy: busy)
        }
    }

    /// Switches rule sets between batches, so one batch is evaluated by one rule set.
    private func swapInPendingPlan() {
        guard let plan = pendingPlan.take() else { return }
        let summary = engine.replace(plan: plan)
        status.update {
            $0.rulesetVersion = plan.version
            $0.rulesetLoadedAt = WallClock.nowMilliseconds()
        }
        logger.info(
            "rule set swapped in",
            metadata: [
                "version": "\(plan.version)", "keptAggregators": "\(summary.keptAggregators)",
                "newAggregators": "\(summary.startedAggregators)", "droppedAggregators": "\(summary.droppedAggregators)",
            ]
        )
    }

    private func process(_ batch: KafkaMessageBatch) throws {
        apply(batch.rebalances)
        guard !batch.isEmpty else { return }
        var progress = BatchProgress()
        var stop: PipelineError?
        let now = WallClock.nowMilliseconds()
        let evaluationStarted = ContinuousClock.now
        for index in 0..<batch.count {
            let message = batch[index]
            guard assignment.contains(message.partition) else { continue }
            if let trip = try handle(message, now: now, progress: &progress) {
                stop = trip
                break
            }
            progress.advance(partition: message.partition, past: message.offset)
            if index % Self.latencySampling == 0, let produced = message.timestampMilliseconds {
                tally.endToEndSamples.append(max(0, WallClock.nowMilliseconds() - produced) * 1_000_000)
            }
        }
        tally.evaluationNanoseconds = (ContinuousClock.now - evaluationStarted).nanoseconds
        try awaitDeliveries()
        try commit(stop == nil ? progress.nextOffsets : progress.beforeBadRun)
        if let stop { throw stop }
    }

    /// Evaluates one message and sends what it caused. Returns an error when the bad-input guard trips.
    private func handle(_ message: KafkaMessage, now: Int64, progress: inout BatchProgress) throws -> PipelineError? {
        let source = EventSource(topic: configuration.inputTopic, partition: message.partition, offset: message.offset)
        tally.consumed += 1
        var isBad = false
        switch engine.process(message.value, source: source, now: now) {
        case .evaluated(let alerts):
            tally.evaluated += 1
            for alert in alerts { try send(alert) }
        case .rejected(let failure):
            isBad = true
            try deadLetter(message, reason: failure.reason.code, detail: failure.detail)
        case .late(let eventTime, let watermark):
            tally.late += 1
            try deadLetter(message, reason: "late_event", detail: "event time \(eventTime) is before the watermark \(watermark)")
        }
        if isBad, badInput.consecutiveBad == 0 { progress.markBadRunStart() }
        if case .trip(let reason) = badInput.record(isBad: isBad) {
            logger.critical("bad-input limit reached: \(reason)", metadata: ["partition": "\(message.partition)", "offset": "\(message.offset)"])
            return .badInputLimit(reason: reason, partition: message.partition, offset: message.offset)
        }
        return nil
    }

    private func send(_ alert: Alert) throws {
        let isShadow = alert.mode == .shadow
        let topic = isShadow ? configuration.shadowAlertTopic : configuration.alertTopic
        try producer.send(topic: topic, key: Array(alert.messageKey.utf8), value: alert.jsonBytes())
        if isShadow {
            tally.shadowAlertsByRule[alert.ruleID, default: 0] += 1
        } else {
            tally.alertsByRule[alert.ruleID, default: 0] += 1
        }
    }

    private func deadLetter(_ message: KafkaMessage, reason: String, detail: String) throws {
        let headers: [(name: String, value: [UInt8])] = [
            ("vigil.reason", Array(reason.utf8)),
            ("vigil.detail", Array(detail.utf8)),
            ("vigil.source.topic", Array(configuration.inputTopic.utf8)),
            ("vigil.source.partition", Array(String(message.partition).utf8)),
            ("vigil.source.offset", Array(String(message.offset).utf8)),
        ]
        try producer.send(topic: configuration.deadLetterTopic, key: message.key, value: message.value, headers: headers)
        tally.deadLettersByReason[reason, default: 0] += 1
        logger.debug("dead-lettered", metadata: ["reason": "\(reason)", "detail": "\(detail)", "offset": "\(message.offset)"])
    }

    /// Blocks until the broker has acknowledged every alert and dead letter sent so far.
    private func awaitDeliveries() throws {
        let failures = try producer.flush()
        guard failures.isEmpty else { throw PipelineError.deliveryFailed(failures) }
    }

    private func commit(_ nextOffsets: [Int32: Int64]) throws {
        let positions = nextOffsets.filter { assignment.contains($0.key) }.map {
            TopicPartitionOffset(TopicPartition(topic: configuration.inputTopic, partition: $0.key), offset: $0.value)
        }
        do {
            try consumer.commit(positions)
        } catch {
            if error.isFatal { throw error }
            // Lost ownership mid-batch (a rebalance): the new owner replays from the last commit.
            logger.warning("commit failed, the batch will be replayed by the partition's owner: \(error)")
            return
        }
        for position in positions { lastCommitted[position.topicPartition.partition] = position.offset }
        publish(committed: positions)
    }

    private func publish(committed positions: [TopicPartitionOffset]) {
        let engineStatistics = engine.statistics
        let batch = tally
        metrics.record(engineStatistics)
        status.update { snapshot in
            batch.add(to: &snapshot)
            snapshot.batchesCommitted += 1
            for position in positions { snapshot.committed[position.topicPartition] = position.offset }
            for rule in engineStatistics.rules {
                snapshot.unknownByRule[rule.ruleID] = rule.unknown
                snapshot.suppressedByRule[rule.ruleID] = rule.suppressed
            }
        }
    }

    /// Per-iteration health: the loop's heartbeat, the broker's reachability, lag and window state.
    private func publish(loopAt instant: ContinuousClock.Instant, busy: Duration) {
        tally = BatchTally()
        let lag = Dictionary(uniqueKeysWithValues: assignment.compactMap { partition -> (TopicPartition, Int64)? in
            let topicPartition = TopicPartition(topic: configuration.inputTopic, partition: partition)
            guard let end = consumer.cachedEndOffset(of: topicPartition), let position = lastCommitted[partition] else { return nil }
            return (topicPartition, max(0, end - position))
        })
        let state = engine.stateSummary
        metrics.record(state: state, producerQueueLength: producer.inFlightCount, lag: lag)
        metrics.record(consumer.statistics, client: "consumer")
        metrics.record(producer.statistics, client: "producer")
        let isBrokerReachable = consumer.isBrokerReachable
        status.update { snapshot in
            snapshot.lastLoopAt = instant
            snapshot.busyTime += busy
            snapshot.isBrokerReachable = isBrokerReachable
            snapshot.consumerLag = lag
            snapshot.windowState = state
        }
    }

    private func apply(_ rebalances: [RebalanceEvent]) {
        for event in rebalances {
            switch event {
            case .assigned(let partitions):
                assignment.formUnion(partitions.filter { $0.topic == configuration.inputTopic }.map(\.partition))
                logger.info("partitions assigned: \(partitions.map(\.description).joined(separator: ", "))")
            case .revoked(let partitions, let isLost):
                assignment.subtract(partitions.map(\.partition))
                logger.info("partitions \(isLost ? "lost" : "revoked"): \(partitions.map(\.description).joined(separator: ", "))")
            }
        }
        let owned = Set(assignment.map { TopicPartition(topic: configuration.inputTopic, partition: $0) })
        if !rebalances.isEmpty {
            status.update {
                $0.assignment = owned
                $0.hasJoinedGroup = true
            }
        }
    }

    private func leaveGroup() {
        status.update { $0.phase = .stopping }
        consumer.close(timeout: configuration.closeTimeout)
    }
}
