import Dispatch
import Logging
import Metrics
import VigilEngine
import VigilKafka
import VigilRules

/// The processing loop: poll a batch, evaluate it, send its alerts, dead letters and repartitioned
/// events; every commit interval, wait for the broker to acknowledge all of them, then commit the
/// offsets evaluated so far.
///
/// That order is the at-least-once guarantee: an offset is committed only after everything its
/// message caused is durable. A crash between send and commit replays what followed the last
/// commit, and replayed alerts carry the same `alert_id`. In exactly-once mode the same outputs and the offsets form one
/// Kafka transaction instead. Each assigned partition has its own engine (`PartitionTask`), rebuilt
/// when the partition arrives from its latest snapshot and the history after it, or by replay.
/// Runs on one dedicated thread; blocking calls are fine here.
final class PipelineWorker {
    private let configuration: PipelineConfiguration
    private let status: PipelineStatus
    private let logger: Logger
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let pendingPlan: PendingPlan
    private var topology: PipelineTopology
    private var router: RepartitionRouter
    private var bundler = RepartitionBundler()
    /// Partition counts of the output topics (repartition and snapshot topics among them), from their metadata.
    private var outputPartitionCounts: [String: Int32] = [:]
    /// Nil when snapshots are off, or their topic does not exist: partitions are then restored by replay.
    private var snapshots: SnapshotStore?
    private let serializer = SnapshotSerializer()
    /// The partitions whose frozen state the serializer has, with the task it was taken from.
    private var snapshotsInProgress: [TopicPartition: PartitionTask] = [:]
    private var badInput: BadInputGuard
    /// The partitions this member owns now, input and repartition topics alike.
    private var tasks: [TopicPartition: PartitionTask] = [:]
    /// The next offset to read, as last committed, by partition.
    private var lastCommitted: [TopicPartition: Int64] = [:]
    /// Positions evaluated but not committed yet: until the commit interval has passed, or because
    /// the broker refused the commit (typically: a rebalance is in progress). After a refusal,
    /// reading pauses and the commit is retried, so a partition that then moves is replayed by its
    /// next owner from here, not from much further back.
    private var pending: [TopicPartition: Int64] = [:]
    /// While the group rebalances (a commit was refused for it, or partitions were revoked), commits
    /// wait for the rebalance to end (see `apply(_:)`), or until this instant. A commit sent meanwhile
    /// can reach the coordinator with the generation the rebalance replaces, and librdkafka 2.0.2
    /// then drops the member's whole assignment as lost: every partition restored again.
    private var commitWaitsForRebalanceUntil: ContinuousClock.Instant?
    private static let longestWaitForRebalance = Duration.seconds(60)
    /// The reason and detail of the latest dead letter, for the bad-input guard's stop to name.
    private var latestDeadLetter: (reason: String, detail: String)?
    /// Positions past the first message of a run of bad messages still going on (see `settle`).
    private var heldBack: [TopicPartition: Int64] = [:]
    private var lastCommitAt = ContinuousClock.now
    /// The partitions paused while a commit is refused; nil when not holding.
    private var pausedForCommit: [TopicPartition]?
    private var tally = BatchTally()
    /// Rule counters of engines dropped with their partitions.
    private var retiredRuleCounts: [String: RuleCounts] = [:]
    private let metrics: PipelineMetrics
    /// When the gauges were last published; nil when something they show has changed since.
    private var gaugesPublishedAt: ContinuousClock.Instant?
    private static let gaugeInterval = Duration.milliseconds(100)
    /// One message in this many has its end-to-end latency sampled.
    private static let latencySampling = 64
    /// Live messages in a batch from which its partitions are evaluated in parallel.
    private static let parallelEvaluationThreshold = 64

    init(configuration: PipelineConfiguration, pendingPlan: PendingPlan, status: PipelineStatus, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.pendingPlan = pendingPlan
        self.status = status
        self.logger = logger
        self.metrics = PipelineMetrics(factory: configuration.metricsFactory ?? MetricsSystem.factory)
        self.producer = try KafkaProducer(configuration: configuration.outputProducer, logger: logger)
        self.consumer = try KafkaConsumer(configuration: configuration.consumer, logger: logger)
        let (plan, topology) = pendingPlan.current
        self.topology = topology
        self.router = RepartitionRouter(topology: topology)
        self.badInput = BadInputGuard(limits: configuration.badInput)
        publishRuleSet(plan)
    }

    /// Consumes until `shouldStop` turns true, then finishes the batch in hand, commits and leaves the group.
    func run(until shouldStop: () -> Bool) throws {
        outputPartitionCounts = try producer.prepare(topics: outputTopics)
        try warnAboutRepartitionPartitionCounts()
        if configuration.isExactlyOnce { try producer.initTransactions() }
        snapshots = makeSnapshotStore()
        consumer.startPositions(Self.restoreStart)
        try consumer.subscribe(topics: topology.topics)
        logger.info("consuming", metadata: ["topics": "\(topology.topics.joined(separator: ", "))"])
        status.update { $0.phase = .running }
        defer { leaveGroup() }
        while !shouldStop() {
            let batch = try consumer.poll(maxMessages: configuration.batchSize, timeout: configuration.pollTimeout)
            let movedBack = try swapInPendingPlan()
            let started = ContinuousClock.now
            try process(batch, skipping: movedBack)
            let busy = batch.isEmpty ? Duration.zero : .now - started
            if !batch.isEmpty { metrics.record(tally, duration: busy) }
            publish(loopAt: .now, busy: busy)
        }
        try commitAtStop()
        gaugesPublishedAt = nil
        publish(loopAt: .now, busy: .zero)
    }

    private var outputTopics: [String] {
        [configuration.alertTopic, configuration.shadowAlertTopic, configuration.deadLetterTopic] + topology.repartitionStages.map(\.topic)
            + (configuration.snapshotTopic.map { [$0] } ?? [])
    }

    private func makeSnapshotStore() -> SnapshotStore? {
        guard let topic = configuration.snapshotTopic else { return nil }
        guard !configuration.isExactlyOnce else {
            logger.info("snapshots are not written in exactly-once mode: partitions are restored by replay")
            return nil
        }
        guard let partitionCount = outputPartitionCounts[topic] else {
            logger.warning("the snapshot topic \(topic) does not exist: partitions are restored by replay only")
            return nil
        }
        return SnapshotStore(topic: topic, partitionCount: partitionCount, consumer: configuration.consumer, logger: logger)
    }

    /// Switches rule sets between batches, so one batch is evaluated by one rule set.
    /// - Returns: the partitions whose reading moved back to backfill new windows: the batch in
    ///   hand holds their messages from past that history, which they will read again after it.
    private func swapInPendingPlan() throws -> Set<TopicPartition> {
        guard let (plan, newTopology) = pendingPlan.take() else { return [] }
        let topicsChanged = newTopology.topics != topology.topics
        let addedStages = newTopology.repartitionStages.filter { topology.stage(for: $0.topic) == nil }
        topology = newTopology
        router = RepartitionRouter(topology: newTopology)
        let summaries = tasks.values.map { task in
            task.engine.replace(
                plan: newTopology.stage(for: task.partition.topic)?.plan ?? Self.emptyPlan(like: plan),
                alsoDecoding: task.isRepartitioned ? [] : router.fields)
        }
        let addedTopics = Set(addedStages.map(\.topic))
        for task in tasks.values { task.owe(history: addedTopics) }
        let movedBack = beginBackfills(addedTopics: addedTopics)
        if topicsChanged {
            outputPartitionCounts = try producer.prepare(topics: outputTopics)
            try warnAboutRepartitionPartitionCounts()
            try consumer.subscribe(topics: newTopology.topics)
        }
        publishRuleSet(plan)
        logger.info(
            "rule set swapped in",
            metadata: [
                "version": "\(plan.version)", "partitions": "\(summaries.count)",
                "keptAggregators": "\(summaries.map(\.keptAggregators).reduce(0, +))",
                "newAggregators": "\(summaries.map(\.startedAggregators).reduce(0, +))",
                "droppedAggregators": "\(summaries.map(\.droppedAggregators).reduce(0, +))",
                "topics": "\(newTopology.topics.joined(separator: ", "))",
            ]
        )
        return movedBack
    }

    /// The rule set in force, for `GET /rules` and the metrics alike.
    private func publishRuleSet(_ plan: RulePlan) {
        let loadedAt = WallClock.nowMilliseconds()
        status.update {
            $0.rulesetVersion = plan.version
            $0.rulesetLoadedAt = loadedAt
        }
        metrics.recordRuleSet(plan, loadedAtMilliseconds: loadedAt)
    }

    /// Moves reading back, on each partition whose engine the reload gave new window states, to
    /// the history those states reach, so that a new rule counts what came before it as the
    /// running ones do. A repartition topic that an input partition owes its history (one the
    /// reload added) has none of its own: the partition reads its history again to send it there,
    /// marked as history.
    /// - Returns: the partitions moved back.
    private func beginBackfills(addedTopics: Set<String>) -> Set<TopicPartition> {
        gaugesPublishedAt = nil
        return Set(tasks.values.sorted(by: { $0.partition < $1.partition }).filter { beginBackfill(of: $0, addedTopics: addedTopics) }.map(\.partition))
    }

    /// Moves reading of `task`'s partition back to the history its new windows, and the
    /// repartition topics it owes its history, reach; false when there is none to read.
    private func beginBackfill(of task: PartitionTask, addedTopics: Set<String>) -> Bool {
        let owed = task.owedHistory
        let reach = topology.repartitionStages.filter { owed.contains($0.topic) }.flatMap(\.plan.aggregators).map(\.windowMilliseconds).max()
        let historyReach = reach.map { $0 + configuration.engine.allowedLatenessMilliseconds } ?? 0
        guard let start = task.beginBackfill(historyReach: historyReach, addedTopics: addedTopics) else { return false }
        do {
            try consumer.seek(TopicPartitionOffset(task.partition, offset: start), timeout: .seconds(5))
            let sending = owed.isEmpty ? "" : ", sending them to \(owed.sorted().joined(separator: ", ")) as history"
            logger.info("backfilling the new windows of \(task.partition): reading offsets \(start) up to \(task.nextOffset) again\(sending)")
            return true
        } catch {
            _ = task.finishBackfill(ifReached: .max)
            logger.warning("could not read \(task.partition) again from offset \(start) (\(error)): its new windows start empty")
            return false
        }
    }

    private func backfilled(_ task: PartitionTask) {
        gaugesPublishedAt = nil
        let milliseconds = max(1, (ContinuousClock.now - task.backfillStartedAt).nanoseconds / 1_000_000)
        logger.info("backfilled the new windows of \(task.partition): \(task.backfilledMessages) messages in \(milliseconds) ms; live")
    }

    /// A stage that left the topology keeps running, with no rules, until its partitions are revoked.
    private static func emptyPlan(like plan: RulePlan) -> RulePlan {
        (try? plan.restricted(to: [])) ?? plan
    }

    /// - Parameter skipped: partitions whose messages in the batch are left for a later read.
    private func process(_ batch: KafkaMessageBatch, skipping skipped: Set<TopicPartition>) throws {
        try apply(batch.rebalances)
        var progress = BatchProgress()
        var stop: PipelineError?
        if !batch.isEmpty {
            if configuration.isExactlyOnce { try producer.beginTransaction() }
            let now = WallClock.nowMilliseconds()
            let evaluationStarted = ContinuousClock.now
            var messages = (0..<batch.count).map { batch[$0] }
            if !skipped.isEmpty { messages.removeAll { skipped.contains($0.topicPartition) } }
            let lanes = try evaluate(messages, now: now)
            stop = try deliver(lanes, of: messages.count, progress: &progress)
            try sendBundles()
            tally.evaluationNanoseconds = (ContinuousClock.now - evaluationStarted).nanoseconds
        }
        finishRebuildsAtPosition()
        settle(progress, tripped: stop != nil)
        if stop == nil { commitQuietPartitionsForSnapshots() }
        // A run that began in an earlier batch commits nothing when it trips: this batch's restore
        // points do not cover offsets before it, and the last commit does.
        let waitsForRebalance = commitWaitsForRebalanceUntil.map { ContinuousClock.now < $0 } ?? false
        let isDue = stop != nil ? progress.badRunBegan || configuration.isExactlyOnce
            : configuration.isExactlyOnce
                || !waitsForRebalance && (pausedForCommit != nil || ContinuousClock.now - lastCommitAt >= configuration.commitInterval)
        guard isDue, !pending.isEmpty || configuration.isExactlyOnce && !batch.isEmpty else {
            if let stop { throw stop }
            return
        }
        try commit(pending, fromBatchStart: stop != nil)
        if let stop { throw stop }
    }

    /// Adds the batch's positions to those the next commit stores, except past the first message
    /// of a run of bad messages still going on: those wait in ``heldBack``, over as many batches
    /// as the run lasts, so that should the guard trip, the whole stretch is read again after the
    /// fix, even when the bad messages come slowly. A run that ends (a good message, or a stop)
    /// releases them.
    private func settle(_ progress: BatchProgress, tripped: Bool) {
        if progress.badRunBegan || !tripped && badInput.consecutiveBad == 0 {
            releaseHeldBack()
        }
        guard badInput.consecutiveBad > 0 || tripped else {
            pending.merge(progress.nextOffsets) { _, newer in newer }
            return
        }
        if progress.badRunBegan { pending.merge(progress.beforeBadRun) { _, newer in newer } }
        if !tripped { heldBack.merge(progress.nextOffsets) { _, newer in newer } }
    }

    private func releaseHeldBack() {
        pending.merge(heldBack) { _, newer in newer }
        heldBack = [:]
    }

    /// Warns, once per partition and once per backfill, when its first message shows that
    /// retention removed history.
    private func noteFirstOffset(_ offset: Int64, of task: PartitionTask, isBackfill: Bool = false) {
        let isLost = isBackfill ? task.backfillRevealsLostHistory(firstOffset: offset) : task.revealsLostHistory(firstOffset: offset)
        guard isLost else { return }
        metrics.recordHistoryLost()
        let windows = isBackfill ? "the new windows reach" : "its windows need"
        logger.warning(
            "\(task.partition) no longer holds all the history \(windows) (retention): they start incomplete",
            metadata: ["firstOffset": "\(offset)"])
    }

    /// Evaluates the batch, a lane per partition. With several evaluation threads, partitions are
    /// shared out among them when the batch is large enough to pay for the threads (a few events
    /// are evaluated faster in place); a batch that restores a partition uses a thread per lane,
    /// since replay sends nothing and restores are what a rebalance waits for.
    private func evaluate(_ messages: [KafkaMessage], now: Int64) throws -> [EvaluationLane] {
        // A batch holds runs of one partition: its lane is looked up once per run, not per message.
        var lanes: [TopicPartition: EvaluationLane] = [:]
        var run: (partition: TopicPartition, lane: EvaluationLane?)?
        for (index, message) in messages.enumerated() {
            let partition = message.topicPartition
            if run?.partition != partition {
                let lane = lanes[partition] ?? tasks[partition].map(EvaluationLane.init(task:))
                lanes[partition] = lane
                run = (partition, lane)
            }
            run?.lane?.add(message, batchIndex: index)
        }
        let context = EvaluationLane.Context(
            inputTopic: configuration.inputTopic, now: now, router: router,
            partitionCounts: try router.routes.map { try partitionCount(of: $0.topic) })
        let running = Array(lanes.values)
        let isLarge = running.map(\.messageCount).reduce(0, +) >= Self.parallelEvaluationThreshold
        let threads = running.contains(where: \.holdsHistory) ? running.count : isLarge ? min(configuration.evaluationThreads, running.count) : 1
        if threads > 1 {
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                for lane in stride(from: thread, to: running.count, by: threads) { running[lane].run(context) }
            }
        } else {
            for lane in running { lane.run(context) }
        }
        return running
    }

    /// Sends what the lanes' messages caused, in the batch's order, and feeds the bad-input guard.
    /// - Returns: the error to stop with when the guard trips; nothing after that message is sent.
    private func deliver(_ lanes: [EvaluationLane], of batchCount: Int, progress: inout BatchProgress) throws -> PipelineError? {
        var inBatchOrder = [(lane: EvaluationLane, entry: Int)?](repeating: nil, count: batchCount)
        for lane in lanes {
            tally.add(evaluationCounts: lane.counts)
            for (entry, evaluated) in lane.evaluated.enumerated() { inBatchOrder[evaluated.batchIndex] = (lane, entry) }
        }
        for case let (lane, entry)? in inBatchOrder {
            let evaluated = lane.evaluated[entry]
            let message = evaluated.message
            switch evaluated.kind {
            case .redelivered:
                tally.redeliveriesSkipped += 1
                skipAhead(lane.task, redelivered: message.offset)
                continue
            case .replayed:
                noteFirstOffset(message.offset, of: lane.task)
                // History for the repartition topics the partition owes it; nothing is committed for it.
                for index in evaluated.outputs { _ = try send(lane.outputs[index], of: lane, progress: &progress) }
                if evaluated.finishedRestore { restored(lane.task) }
                continue
            case .backfilled:
                noteFirstOffset(message.offset, of: lane.task, isBackfill: true)
                // History for the repartition topics a reload added; nothing is committed for it.
                for index in evaluated.outputs { _ = try send(lane.outputs[index], of: lane, progress: &progress) }
                if evaluated.finishedBackfill { backfilled(lane.task) }
                continue
            case .live:
                noteFirstOffset(message.offset, of: lane.task)
                if evaluated.finishedBackfill { backfilled(lane.task) }
            }
            var trip: PipelineError?
            for index in evaluated.outputs where trip == nil {
                trip = try send(lane.outputs[index], of: lane, progress: &progress)
            }
            progress.advance(message.topicPartition, past: message.offset)
            if evaluated.finishedRestore { restored(lane.task) }
            if let trip { return trip }
            if evaluated.batchIndex % Self.latencySampling == 0, !lane.task.isRestoring, let produced = message.timestampMilliseconds {
                tally.endToEndSamples.append(max(0, WallClock.nowMilliseconds() - produced) * 1_000_000)
            }
        }
        return nil
    }

    private func send(_ output: EvaluationLane.Output, of lane: EvaluationLane, progress: inout BatchProgress) throws -> PipelineError? {
        switch output {
        case .alert(let index):
            try send(lane.alerts[index])
        case .deadLetter(let index):
            let letter = lane.deadLetters[index]
            try deadLetter(letter.event, key: letter.key, source: letter.source, reason: letter.reason, detail: letter.detail)
            latestDeadLetter = (letter.reason, letter.detail)
        case .repartitioned(let event, let offset, let destination):
            for (ready, bundle) in bundler.add(event, offset: offset, to: destination) { try send(bundle, to: ready) }
            tally.repartitioned += 1
        case .verdict(let isBad, let partition, let offset):
            if isBad, badInput.consecutiveBad == 0 { progress.markBadRunStart() }
            if case .trip(var reason) = badInput.record(isBad: isBad) {
                if let latestDeadLetter { reason += "; the latest was dead-lettered as \(latestDeadLetter.reason): \(latestDeadLetter.detail)" }
                logger.critical("bad-input limit reached: \(reason)", metadata: ["partition": "\(lane.task.partition)", "offset": "\(offset)"])
                return .badInputLimit(reason: reason, partition: partition, offset: offset)
            }
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

    /// Sends the batch's open bundles; the batch's offsets must not be committed before this.
    private func sendBundles() throws {
        for (destination, bundle) in bundler.drain() { try send(bundle, to: destination) }
    }

    private func send(_ bundle: RepartitionBundle.Writer, to destination: RepartitionBundler.Destination) throws {
        try producer.send(
            topic: router.routes[destination.route].topic, partition: destination.partition, key: nil, value: bundle.bytes,
            headers: bundle.headers)
    }

    /// Warns about repartition topics whose partition count differs from the input's: the group
    /// can only use as many members as the smallest count, and a topic that a broker created on
    /// first use (with its default count) shows up here.
    private func warnAboutRepartitionPartitionCounts() throws {
        let input = configuration.inputTopic
        guard let inputCount = try producer.prepare(topics: [input])[input] else { return }
        for stage in topology.repartitionStages {
            guard let count = outputPartitionCounts[stage.topic], count != inputCount else { continue }
            logger.warning(
                "repartition topic \(stage.topic) has \(count) partitions, the input \(input) \(inputCount): create it with the input's count")
        }
    }

    /// A repartition topic's partition count, from its metadata (fetched again if it was unknown).
    private func partitionCount(of topic: String) throws -> Int32 {
        if let count = outputPartitionCounts[topic] { return count }
        outputPartitionCounts.merge(try producer.prepare(topics: [topic])) { _, fetched in fetched }
        guard let count = outputPartitionCounts[topic] else { throw PipelineError.repartitionTopicUnavailable(topic) }
        return count
    }

    /// Dead-letters one event (or a broken repartition message), with where it was read.
    private func deadLetter(_ value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, source: EventSource, reason: String, detail: String)
        throws
    {
        let headers: [(name: StaticString, value: [UInt8])] = [
            ("vigil.reason", Array(reason.utf8)),
            ("vigil.detail", Array(detail.utf8)),
            ("vigil.source.topic", Array(source.topic.utf8)),
        ] + RepartitionOrigin.headers(partition: source.partition, offset: source.offset)
        try producer.send(topic: configuration.deadLetterTopic, key: key, value: value, headers: headers)
        tally.deadLettersByReason[reason, default: 0] += 1
        logger.debug("dead-lettered", metadata: ["reason": "\(reason)", "detail": "\(detail)", "offset": "\(source.offset)"])
    }

    /// Makes the outputs sent so far durable, then commits the offsets with each partition's
    /// restore point; in exactly-once mode both happen in the batch's transaction.
    /// - Parameter fromBatchStart: the batch was evaluated past `nextOffsets` (the bad-input guard
    ///   tripped), so the restore points stored are those from before it.
    /// - Parameter isStopping: snapshots every partition whose state changed since its last
    ///   snapshot, whatever the interval, so that the next owner loads the state as it is now.
    private func commit(_ nextOffsets: [TopicPartition: Int64], fromBatchStart: Bool = false, isStopping: Bool = false) throws {
        let written = fromBatchStart ? [] : try sendSnapshots(at: nextOffsets, all: isStopping)
        func withRestorePoints() -> [TopicPartitionOffset] {
            nextOffsets.compactMap { partition, offset -> TopicPartitionOffset? in
                guard let task = tasks[partition] else { return nil }
                let point = task.restorePoint(fromBatchStart: fromBatchStart, routes: topology.repartitionStages.map(\.topic))
                return TopicPartitionOffset(partition, offset: offset, metadata: point.metadata)
            }
        }
        let positions: [TopicPartitionOffset]
        if configuration.isExactlyOnce {
            positions = withRestorePoints()
            try commitTransaction(positions)
        } else {
            let failures = try producer.flush()
            guard failures.isEmpty else { throw PipelineError.deliveryFailed(failures) }
            adopt(written)
            positions = withRestorePoints()
            do {
                try consumer.commit(positions)
            } catch {
                if error.isFatal { throw error }
                holdUntilCommitted(error: error)
                return
            }
        }
        pending.removeAll()
        lastCommitAt = .now
        resumeAfterHold()
        for position in positions { lastCommitted[position.topicPartition] = position.offset }
        publish(committed: positions)
    }

    /// At shutdown: commits what is pending, and snapshots every partition whose state changed
    /// since its last snapshot (committing its position again, now with the snapshot named).
    private func commitAtStop() throws {
        commitQuietPartitions { partition, task in task.processedSinceSnapshot > 0 || snapshotsInProgress[partition] === task }
        // A run of bad messages that has not tripped the guard by now does not hold commits back.
        releaseHeldBack()
        let committing = pending.count
        if !pending.isEmpty { try commit(pending, isStopping: true) }
        guard pending.isEmpty else {
            // Refused (a rebalance under way): the group keeps the previous commit.
            logger.warning(
                "stopping: outputs acknowledged, but the group refused the final commit of \(pending.count) partition\(pending.count == 1 ? "" : "s"); their next owner replays from the previous commit and sends those alerts again, with the same ids")
            return
        }
        logger.info("stopping: outputs acknowledged, offsets of \(committing) partition\(committing == 1 ? "" : "s") committed")
    }

    /// Queues the snapshots serialized since the last commit, and freezes the state of each
    /// partition committed at `nextOffsets` that is due one, at exactly the offset the commit will
    /// store, for the serializer. Freezing copies no window entry, so the loop goes on while the
    /// serializer encodes them; a later commit sends them and, once they are acknowledged, names
    /// them. Partitions wait for a snapshot while the serializer is busy.
    ///
    /// With `all` (at shutdown), every partition that changed since its last snapshot is
    /// snapshotted and queued now, partitions in parallel.
    private func sendSnapshots(at nextOffsets: [TopicPartition: Int64], all: Bool) throws -> [(PartitionTask, SnapshotStore.Written)] {
        guard let snapshots else { return [] }
        let now = ContinuousClock.now
        if all { serializer.waitUntilIdle() }
        // Read before taking what is finished, so that every result taken belongs to the tasks in
        // `snapshotsInProgress`, and a batch submitted below is the only one whose results come later.
        let canSubmit = !serializer.isBusy
        var serialized = serializer.takeFinished().compactMap { serialized -> (PartitionTask, SnapshotSerializer.Serialized)? in
            // A partition revoked meanwhile (and perhaps assigned again) drops its snapshot.
            guard let task = snapshotsInProgress.removeValue(forKey: serialized.partition), tasks[serialized.partition] === task else { return nil }
            return (task, serialized)
        }
        let interval = all ? .zero : configuration.snapshotInterval
        let due = nextOffsets.sorted { $0.key < $1.key }.compactMap { partition, offset -> PartitionTask? in
            guard snapshotsInProgress[partition] == nil, let task = tasks[partition], offset == task.nextOffset,
                task.isSnapshotDue(interval: interval, at: now)
            else { return nil }
            return task
        }
        if all {
            // A partition that changed since its serialized snapshot was frozen gets a newer one instead.
            serialized.removeAll { finished in due.contains { $0 === finished.0 } }
            let frozen = due.map { ($0.partition, $0.freezeSnapshot()) }
            serialized += zip(due, SnapshotSerializer.serializeNow(frozen)).map { ($0, $1) }
        } else if !due.isEmpty, canSubmit {
            for task in due { snapshotsInProgress[task.partition] = task }
            serializer.submit(due.map { ($0.partition, $0.freezeSnapshot()) })
        }
        var written: [(PartitionTask, SnapshotStore.Written)] = []
        for (task, snapshot) in serialized {
            let sent = try snapshots.send(snapshot.bytes, at: snapshot.position, of: task.partition, with: producer)
            metrics.recordSnapshotWritten(bytes: sent.bytes, duration: snapshot.duration)
            written.append((task, sent))
        }
        let elapsed = ContinuousClock.now - now
        status.update { $0.snapshotTime += elapsed }
        return written
    }

    /// Adds to `pending` the committed position of each quiet partition (nothing new to commit)
    /// that is due a snapshot, or whose serialized snapshot waits to be named, so that neither
    /// waits for the partition's next message: a partition whose traffic stops still gets its
    /// snapshot, and its next owner does not replay what came before.
    private func commitQuietPartitionsForSnapshots() {
        let hasSerialized = serializer.hasFinished
        let canFreeze = !serializer.isBusy
        let now = ContinuousClock.now
        commitQuietPartitions { partition, task in
            // A batch is submitted only once the previous one's results were taken, so finished
            // results are those of the partitions in progress.
            snapshotsInProgress[partition] === task
                ? hasSerialized : canFreeze && task.isSnapshotDue(interval: configuration.snapshotInterval, at: now)
        }
    }

    /// Adds to `pending`, at its committed offset, each partition with nothing new to commit
    /// that `wants` a commit for its snapshot; nothing when snapshots are off.
    private func commitQuietPartitions(where wants: (TopicPartition, PartitionTask) -> Bool) {
        guard snapshots != nil else { return }
        for (partition, task) in tasks where pending[partition] == nil {
            guard let committed = lastCommitted[partition], committed == task.nextOffset, wants(partition, task) else { continue }
            pending[partition] = committed
        }
    }

    /// After a flush: each snapshot whose chunks were all acknowledged becomes its partition's
    /// snapshot, named by every commit from now on.
    private func adopt(_ written: [(PartitionTask, SnapshotStore.Written)]) {
        guard let snapshots, !written.isEmpty else { return }
        let delivered = producer.takeDeliveredOffsets()
        var adopted = 0
        var bytes = 0
        for (task, sent) in written {
            guard let reference = snapshots.reference(to: sent, delivered: delivered) else { continue }
            task.snapshot = reference
            adopted += 1
            bytes += sent.bytes
        }
        status.update {
            $0.snapshotsWritten += adopted
            $0.snapshotBytesWritten += bytes
        }
    }

    /// Pauses reading until the pending positions are committed or their partitions move away.
    private func holdUntilCommitted(error: KafkaError) {
        if error.isRebalanceInProgress { commitWaitsForRebalanceUntil = .now + Self.longestWaitForRebalance }
        if pausedForCommit == nil {
            logger.warning("commit refused, pausing until it is accepted (a partition that moves meanwhile is replayed from its last commit): \(error)")
            let owned = Array(tasks.keys)
            consumer.pause(owned)
            pausedForCommit = owned
        }
    }

    /// Resumes exactly what was paused, owned or not any more: librdkafka keeps a partition's
    /// pause across a revocation, so one assigned again later would otherwise never be fetched.
    private func resumeAfterHold() {
        guard let paused = pausedForCommit, pending.isEmpty else { return }
        pausedForCommit = nil
        consumer.resume(paused)
        logger.info("commits accepted again: reading resumed")
    }

    /// Sends the offsets into the open transaction and commits it. When the transaction must be
    /// aborted, the replica stops so that it restarts from the last commit.
    private func commitTransaction(_ positions: [TopicPartitionOffset]) throws {
        do {
            try producer.sendOffsets(positions, of: consumer)
            try producer.commitTransaction()
        } catch {
            guard error.requiresAbort else { throw error }
            // The engines already hold the aborted batch: only a rebuild from the last commit is
            // right, and a restart does exactly that (the partitions are restored on assignment).
            try producer.abortTransaction()
            throw PipelineError.transactionAborted(error)
        }
    }

    private func publish(committed positions: [TopicPartitionOffset]) {
        status.update { snapshot in
            snapshot.commits += 1
            for position in positions { snapshot.committed[position.topicPartition] = position.offset }
        }
    }

    /// Per-rule counters summed over every engine this member has run, dropped ones included, so
    /// they never go back when a partition moves away.
    private func ruleCounts() -> [String: RuleCounts] {
        var totals = retiredRuleCounts
        for task in tasks.values { totals.add(task.engine.statistics) }
        return totals
    }

    /// Per-iteration health: the loop's heartbeat, the broker's reachability and the batch's
    /// counters every loop; the gauges (lag, window state, rule counters, client statistics) when
    /// the loop is idle, when partitions moved, finished restoring, or began or finished a backfill,
    /// and otherwise at most every `gaugeInterval`: computing them cost a busy loop of small
    /// batches a tenth of its time.
    private func publish(loopAt instant: ContinuousClock.Instant, busy: Duration) {
        let batch = tally
        let replayed = tally.replayed
        if replayed > 0 { metrics.recordReplayed(replayed) }
        if tally.backfilled > 0 { metrics.recordBackfilled(tally.backfilled) }
        if tally.redeliveriesSkipped > 0 {
            logger.debug("skipped \(tally.redeliveriesSkipped) messages handed out again after they were processed")
        }
        tally = BatchTally()
        let isDue = busy == .zero || gaugesPublishedAt.map { instant - $0 >= Self.gaugeInterval } ?? true
        let gauges = isDue ? measureGauges() : nil
        if gauges != nil { gaugesPublishedAt = instant }
        if gauges != nil { consumer.probeBrokersIfDown() }
        let isBrokerReachable = consumer.isBrokerReachable
        status.update { snapshot in
            snapshot.lastLoopAt = instant
            snapshot.busyTime += busy
            if busy > .zero { snapshot.batchesEvaluated += 1 }
            snapshot.isBrokerReachable = isBrokerReachable
            snapshot.replayedMessages += replayed
            batch.add(to: &snapshot)
            if let gauges {
                snapshot.consumerLag = gauges.lag
                snapshot.windowState = gauges.state
                snapshot.restoring = gauges.restoring
                snapshot.backfilling = gauges.backfilling
                snapshot.unknownByRule = gauges.ruleCounts.mapValues(\.unknown)
                snapshot.suppressedByRule = gauges.ruleCounts.mapValues(\.suppressed)
            }
        }
    }

    private struct Gauges {
        let lag: [TopicPartition: Int64]
        let state: Engine.StateSummary
        let restoring: Set<TopicPartition>
        let backfilling: Set<TopicPartition>
        let ruleCounts: [String: RuleCounts]
    }

    /// Reads the gauges and records them as metrics.
    private func measureGauges() -> Gauges {
        let counts = ruleCounts()
        metrics.record(counts)
        let lag = Dictionary(uniqueKeysWithValues: tasks.keys.compactMap { partition -> (TopicPartition, Int64)? in
            guard let end = consumer.cachedEndOffset(of: partition), let position = lastCommitted[partition] else { return nil }
            return (partition, max(0, end - position))
        })
        var state = Engine.StateSummary()
        for task in tasks.values { state.add(task.engine.stateSummary) }
        metrics.record(state: state, producerQueueLength: producer.inFlightCount, lag: lag, owned: Set(tasks.keys))
        metrics.record(consumer.statistics, client: "consumer")
        metrics.record(producer.statistics, client: "producer")
        let restoring = Set(tasks.values.filter(\.isRestoring).map(\.partition))
        let backfilling = Set(tasks.values.filter(\.isBackfilling).map(\.partition))
        metrics.recordBackfilling(partitions: backfilling.count)
        return Gauges(lag: lag, state: state, restoring: restoring, backfilling: backfilling, ruleCounts: counts)
    }

    private func apply(_ rebalances: [RebalanceEvent]) throws {
        // A revocation means a rebalance under way: a cooperative one revokes, hands out what it
        // can at once (often nothing) and rejoins for a second round. It has ended at the first
        // poll whose rebalance events are all assignments (empty when nothing came to this member).
        if rebalances.contains(where: { !$0.isAssignment }) {
            commitWaitsForRebalanceUntil = .now + Self.longestWaitForRebalance
        } else if !rebalances.isEmpty {
            commitWaitsForRebalanceUntil = nil
        }
        for event in rebalances {
            switch event {
            case .assigned(let partitions) where partitions.isEmpty:
                // A cooperative rebalance that moved nothing to this member ends with an empty assignment.
                logger.debug("rebalance finished: no partition assigned to this member")
            case .assigned(let partitions):
                logger.info("partitions assigned: \(partitions.map(\.partition.description).joined(separator: ", "))")
                metrics.recordAssigned(partitions.count)
                try startTasks(for: partitions)
            case .revoked(let partitions, let isLost):
                for partition in partitions {
                    if let task = tasks[partition] { retiredRuleCounts.add(task.engine.statistics) }
                    tasks[partition] = nil
                    lastCommitted[partition] = nil
                    pending[partition] = nil
                    // Held past a bad stretch's start: once the partition is gone, committing it
                    // would move its next owner's position.
                    heldBack[partition] = nil
                    snapshotsInProgress[partition] = nil
                }
                resumeAfterHold()
                metrics.recordRevoked(partitions.count, isLost: isLost)
                logger.info("partitions \(isLost ? "lost" : "revoked"): \(partitions.map(\.description).joined(separator: ", "))")
            }
        }
        if !rebalances.isEmpty {
            gaugesPublishedAt = nil
            let owned = Set(tasks.keys)
            status.update {
                $0.assignment = owned
                $0.hasJoinedGroup = true
            }
        }
    }

    /// Where a newly assigned partition starts: at its restore point, so the engine first replays
    /// the history its windows need (a partition that loads a snapshot then skips ahead). Offsets
    /// committed without a restore point replay all the partition still holds; a partition
    /// without a commit starts by `auto.offset.reset`.
    private static let restoreStart: StartPositionPolicy = { committed in
        guard committed.offset >= 0 else { return nil }
        guard let point = RestorePoint(metadata: committed.metadata) else { return TopicPartitionOffset.beginning }
        return min(point.replayFrom, committed.offset)
    }

    /// Gives each newly assigned partition an engine; one with committed history loads its
    /// snapshot and replays what followed it, or replays the history from its restore point,
    /// before going live.
    private func startTasks(for partitions: [AssignedPartition]) throws {
        let unknown = partitions.filter(\.isCommittedUnknown).map(\.partition)
        guard unknown.isEmpty else { throw PipelineError.committedPositionsUnknown(unknown) }
        var wanted: [TopicPartition: SnapshotReference] = [:]
        for assigned in partitions {
            guard let stage = topology.stage(for: assigned.partition.topic) else { continue }
            let committed = assigned.committed?.offset
            let engine = Engine(plan: stage.plan, options: configuration.engine, alsoDecoding: stage.isInput ? router.fields : [])
            let task = PartitionTask(
                partition: assigned.partition, engine: engine,
                isRepartitioned: !stage.isInput, replayFrom: max(0, assigned.start ?? committed ?? 0), restoreUntil: committed)
            tasks[assigned.partition] = task
            if let committed { lastCommitted[assigned.partition] = committed }
            let point = assigned.committed.flatMap { RestorePoint(metadata: $0.metadata) }
            // Rules on a topic the last owner did not send this partition to (it ran an older rule
            // set) get the partition's history: its replay sends it there, so no snapshot skips it.
            if let routes = point?.routes { task.owe(history: Set(topology.repartitionStages.map(\.topic)).subtracting(routes)) }
            if snapshots != nil, task.owedHistory.isEmpty, let committed, let reference = point?.snapshot(usableAt: committed) {
                wanted[assigned.partition] = reference
            } else if task.isRestoring {
                let sending = task.owedHistory.isEmpty ? "" : ", sending it to \(task.owedHistory.sorted().joined(separator: ", ")) as history"
                logger.info("restoring \(assigned.partition): replaying from offset \(assigned.start ?? 0) up to \(committed ?? 0)\(sending)")
            }
        }
        if let snapshots, !wanted.isEmpty { restoreFromSnapshots(wanted, in: snapshots) }
    }

    /// Loads the partitions' snapshots and moves reading ahead to their positions. A partition
    /// whose snapshot cannot be used is restored by replay from its restore point, where reading
    /// started. Skipping ahead is only a saving: messages before the position that still arrive
    /// are recognised as processed (see ``PartitionTask/hasProcessed(_:)``).
    private func restoreFromSnapshots(_ wanted: [TopicPartition: SnapshotReference], in snapshots: SnapshotStore) {
        let started = ContinuousClock.now
        var loaded = snapshots.load(wanted, timeout: configuration.snapshotLoadTimeout)
        let read = ContinuousClock.now
        // Each restore holds the only reference to its snapshot's bytes, and drops it when done.
        let restores = wanted.sorted { $0.key < $1.key }.compactMap { partition, reference in
            tasks[partition].map { SnapshotRestore(task: $0, reference: reference, loaded: loaded.removeValue(forKey: partition)) }
        }
        // Each partition has its own engine, so their states are rebuilt at the same time.
        DispatchQueue.concurrentPerform(iterations: restores.count) { restores[$0].run() }
        var restoredTasks: [PartitionTask] = []
        // What the snapshots held, live partitions or not: those still replaying count too.
        var loadedState = Engine.StateSummary()
        for restore in restores {
            switch restore.outcome {
            case .success(let finished)?:
                metrics.recordSnapshotLoad(succeeded: true)
                status.update { $0.snapshotsLoaded += 1 }
                loadedState.add(restore.task.engine.stateSummary)
                skipAhead(restore.task)
                if finished { restoredTasks.append(restore.task) }
            case .failure(let error)?:
                metrics.recordSnapshotLoad(succeeded: false)
                status.update { $0.snapshotsRefused += 1 }
                logger.warning("the snapshot of \(restore.task.partition) cannot be used (\(error)): replaying its history instead")
            case nil:
                break
            }
        }
        logger.info(
            "loaded \(wanted.count) partition snapshots in \((read - started).nanoseconds / 1_000_000) ms, restored in \((ContinuousClock.now - read).nanoseconds / 1_000_000) ms",
            metadata: ["keys": "\(loadedState.activeKeys)", "entries": "\(loadedState.retainedEntries)", "live": "\(restoredTasks.count)"])
        for task in restoredTasks { restored(task) }
    }

    /// Moves reading to where a loaded snapshot left off. librdkafka may not have started fetching
    /// a partition just assigned, and then the assignment's start can override the move: a message
    /// from before the position (`redelivered`) asks for the move again.
    private func skipAhead(_ task: PartitionTask, redelivered offset: Int64? = nil) {
        guard let position = task.skipTarget(below: offset) else { return }
        do {
            try consumer.seek(TopicPartitionOffset(task.partition, offset: position), timeout: .seconds(1))
        } catch {
            logger.debug("could not move \(task.partition) to offset \(position): \(error)")
        }
    }

    /// Ends each restore and backfill whose partition the consumer has read up to its end,
    /// although no message sits right before that end (a transaction marker, a compacted gap).
    private func finishRebuildsAtPosition() {
        for task in tasks.values where task.isRestoring {
            if let position = consumer.position(of: task.partition), task.finishRestore(ifReached: position) { restored(task) }
        }
        // Only once history has arrived: until then the position may still be the one from before the move back.
        for task in tasks.values where task.isBackfilling && task.backfilledMessages > 0 {
            if let position = consumer.position(of: task.partition), task.finishBackfill(ifReached: position) { backfilled(task) }
        }
    }

    private func restored(_ task: PartitionTask) {
        gaugesPublishedAt = nil
        let elapsed = ContinuousClock.now - task.assignedAt
        metrics.recordRestore(duration: elapsed)
        status.update { $0.slowestRestore = max($0.slowestRestore, elapsed) }
        let milliseconds = max(1, elapsed.nanoseconds / 1_000_000)
        let rate = Int64(task.replayedMessages) * 1000 / milliseconds
        let source = task.isRestoredFromSnapshot ? "a snapshot and " : ""
        logger.info("restored \(task.partition) from \(source)\(task.replayedMessages) messages replayed in \(milliseconds) ms (\(rate)/s); live")
    }

    private func leaveGroup() {
        status.update { $0.phase = .stopping }
        snapshots?.close()
        // Otherwise the consumer has said why the group will notice only at the session timeout.
        guard consumer.close(timeout: configuration.closeTimeout) else { return }
        if !consumer.isBrokerReachable {
            logger.warning("consumer closed with no broker reachable: the group notices that this member left only at the session timeout")
        } else if configuration.consumer.groupInstanceID != nil {
            // librdkafka 2.0.2 sends no LeaveGroup for a static member.
            logger.info("consumer closed: as a static member it keeps its partitions until the session timeout, so a restart within it gets them back")
        } else {
            logger.info("left the group")
        }
    }
}

/// Where a repartitioned record (or a dead letter) came from on the input topic, carried in its headers.
struct RepartitionOrigin {
    static let partitionHeader: StaticString = "vigil.source.partition"
    static let offsetHeader: StaticString = "vigil.source.offset"

    let partition: Int32
    let offset: Int64

    init?(_ message: KafkaMessage) {
        guard let partition = message.withHeader(Self.partitionHeader, Self.decimal).flatMap(Int32.init(exactly:)),
            let offset = message.withHeader(Self.offsetHeader, Self.decimal)
        else { return nil }
        self.partition = partition
        self.offset = offset
    }

    /// A non-negative decimal integer of at most 18 digits (every Kafka offset), read in place.
    private static func decimal(_ bytes: UnsafeRawBufferPointer?) -> Int64? {
        guard let bytes, (1...18).contains(bytes.count) else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte &- UInt8(ascii: "0"))
        }
        return value
    }

    static func headers(partition: Int32, offset: Int64) -> [(name: StaticString, value: [UInt8])] {
        [(partitionHeader, Array(String(partition).utf8)), (offsetHeader, Array(String(offset).utf8))]
    }
}
