import VigilEngine
import VigilEvents
import VigilKafka

/// One partition's messages of a batch, evaluated on a thread of its own.
///
/// Each partition has its own engine, so partitions can be evaluated at the same time. What live
/// messages cause (alerts, dead letters, repartitioned events, verdicts for the bad-input guard)
/// is kept per message; the worker then sends it on its own thread, in the batch's order, exactly
/// as if it had evaluated the batch alone. History being replayed to rebuild the partition's
/// windows goes through the engine the same way, and what it causes is dropped: it was delivered
/// before the last commit (except to repartition topics the partition owes its history, which
/// get it as history). `@unchecked Sendable`: while a lane runs it is the only user of its task
/// (and so of the task's engine), and the worker reads it only after every lane has finished.
final class EvaluationLane: @unchecked Sendable {
    /// Something a message caused, to be sent by the worker.
    ///
    /// Plain data, without references: a lane appends several per event (a verdict, a bundle
    /// entry per route) and the worker reads each back, and outputs holding strings or objects
    /// cost a retain and a release at every step. Alerts and dead letters, which do hold them,
    /// wait in arrays of their own and are named here by position.
    enum Output {
        /// The lane's `alerts[index]`.
        case alert(index: Int)
        /// The lane's `deadLetters[index]`.
        case deadLetter(index: Int)
        /// An input event for a repartition topic's bundle.
        case repartitioned(event: UnsafeRawBufferPointer, offset: Int64, destination: RepartitionBundler.Destination)
        /// An event's standing for the bad-input guard, with where it was read; it follows the
        /// event's other outputs.
        case verdict(isBad: Bool, partition: Int32, offset: Int64)
    }

    /// An event or message for the dead-letter topic, with why.
    struct DeadLetter {
        let event: UnsafeRawBufferPointer
        let key: UnsafeRawBufferPointer?
        let source: EventSource
        let reason: String
        let detail: String
    }

    enum Kind {
        case live
        /// History replayed to rebuild the windows; it is not committed again, and its only outputs
        /// are history for the repartition topics the partition owes it.
        case replayed
        /// A message librdkafka handed out again after it was processed: skipped.
        case redelivered
        /// A message evaluated before a reload, read again to fill the new window states; its only
        /// outputs are history for the repartition topics the reload added, and it is not committed again.
        case backfilled
    }

    /// One message's share of the lane's outputs.
    struct Evaluated {
        let batchIndex: Int
        let message: KafkaMessage
        let kind: Kind
        let outputs: Range<Int>
        /// Whether this message completed the partition's restore.
        let finishedRestore: Bool
        /// Whether this message completed the partition's backfill.
        let finishedBackfill: Bool
    }

    /// What the lane needs besides its task; read-only while lanes run.
    struct Context {
        let inputTopic: String
        let now: Int64
        let router: RepartitionRouter
        /// The partition count of each route's topic, by the route's position.
        let partitionCounts: [Int32]
    }

    let task: PartitionTask
    private var pending: [(batchIndex: Int, message: KafkaMessage)] = []
    private(set) var evaluated: [Evaluated] = []
    private(set) var outputs: [Output] = []
    private(set) var alerts: [Alert] = []
    private(set) var deadLetters: [DeadLetter] = []
    private(set) var counts = BatchTally()
    /// Reused for every repartitioned event's key.
    private var routeKey: [UInt8] = []
    /// Where the task's engine decodes each route's key fields, found once per batch.
    private var routeKeyPositions: [[Int?]] = []

    init(task: PartitionTask) {
        self.task = task
    }

    func add(_ message: KafkaMessage, batchIndex: Int) {
        pending.append((batchIndex, message))
    }

    var messageCount: Int { pending.count }

    /// Whether the lane holds history to replay or backfill, which makes a batch worth spreading
    /// over threads whatever `--evaluation-threads` says: nothing is sent while a partition
    /// rebuilds its state, and its live events wait for it.
    var holdsHistory: Bool { task.isRestoring || task.isBackfilling }

    func run(_ context: Context) {
        task.startBatch()
        if !task.isRepartitioned { routeKeyPositions = context.router.keyFieldPositions(in: task.engine) }
        evaluated.reserveCapacity(pending.count)
        // A verdict per event, and on the input topic an entry per route.
        outputs.reserveCapacity(pending.count * (task.isRepartitioned ? 1 : 1 + context.router.routes.count))
        for (batchIndex, message) in pending {
            let start = outputs.count
            let kind: Kind
            // History a reload sent to the topic it added: it fills the windows, live or replayed.
            let isHistory = task.isRepartitioned && RepartitionBundle.isHistory(message)
            // An input message's timestamp bounds how far ahead its event's time may be.
            let messageTime = task.isRepartitioned ? nil : message.timestampMilliseconds
            if task.isBackfill(message.offset) {
                kind = .backfilled
                _ = task.forEachEvent(in: message, inputTopic: context.inputTopic, isBackfill: true) { event, source in
                    if isHistory {
                        // Judged where it was read, and recorded unjudged when it arrived.
                        task.engine.backfillHistory(event)
                    } else if task.engine.backfill(event, from: source, messageTime: messageTime), !task.owedHistory.isEmpty {
                        route(event, source: source, context: context, asHistoryFor: task.owedHistory)
                    }
                    counts.backfilled += 1
                }
            } else if task.hasProcessed(message.offset) {
                kind = .redelivered
            } else if task.isReplay(message.offset) {
                kind = .replayed
                _ = task.forEachEvent(in: message, inputTopic: context.inputTopic) { event, source in
                    if isHistory {
                        task.engine.recordHistory(event)
                    } else if case .evaluated = task.engine.process(event, source: source, now: context.now, messageTime: messageTime),
                        !task.owedHistory.isEmpty
                    {
                        route(event, source: source, context: context, asHistoryFor: task.owedHistory)
                    }
                    counts.replayed += 1
                }
            } else {
                kind = .live
                let skipped = task.forEachEvent(in: message, inputTopic: context.inputTopic) { event, source in
                    if isHistory {
                        task.engine.recordHistory(event)
                        counts.backfilled += 1
                    } else {
                        evaluate(event, key: task.isRepartitioned ? nil : message.key, source: source, messageTime: messageTime, context: context)
                    }
                }
                counts.duplicatesSkipped += skipped.duplicates
                if let reason = skipped.brokenBecause {
                    let source = EventSource(topic: message.topic, partition: message.partition, offset: message.offset)
                    deadLetter(message.value, key: message.key, source: source, reason: DeadLetterReason.invalidRepartitionRecord, detail: reason)
                }
            }
            // A message past the backfill also ends it, should the history end in a gap.
            let finishedBackfill = kind == .backfilled ? task.backfilled(offset: message.offset) : task.finishBackfill(ifReached: message.offset)
            let finishedRestore = kind != .redelivered && kind != .backfilled && task.processed(offset: message.offset)
            evaluated.append(
                Evaluated(
                    batchIndex: batchIndex, message: message, kind: kind, outputs: start..<outputs.count,
                    finishedRestore: finishedRestore, finishedBackfill: finishedBackfill))
        }
    }

    private func evaluate(
        _ event: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, source: EventSource, messageTime: Int64?, context: Context
    ) {
        let outcome = task.engine.process(event, source: source, now: context.now, messageTime: messageTime)
        if task.isRepartitioned { counts.repartitionedConsumed += 1 } else { counts.consumed += 1 }
        var isBad = false
        switch outcome {
        case .evaluated(let alerts):
            if !task.isRepartitioned { counts.evaluated += 1 }
            for alert in alerts { self.alert(alert) }
            if !task.isRepartitioned { route(event, source: source, context: context) }
        case .rejected(let failure):
            isBad = true
            deadLetter(event, key: key, source: source, reason: failure.reason.code, detail: failure.detail)
        case .late(let eventTime, let watermark):
            counts.late += 1
            deadLetter(
                event, key: key, source: source, reason: DeadLetterReason.late,
                detail: EngineOutcome.lateDetail(eventTime: eventTime, watermark: watermark))
        case .duplicate(let eventID, let firstOffset):
            deadLetter(
                event, key: key, source: source, reason: DeadLetterReason.duplicate,
                detail: "event_id \(eventID) was counted at offset \(firstOffset) of this partition")
        case .aheadOfMessage(let eventTime, let messageTime):
            // A wrong clock or unit upstream: bad input, so that a producer whose every event is
            // ahead stops the pipeline instead of being dead-lettered quietly.
            isBad = true
            deadLetter(
                event, key: key, source: source, reason: DeadLetterReason.ahead,
                detail: EngineOutcome.aheadDetail(
                    eventTime: eventTime, messageTime: messageTime, limit: task.engine.options.maximumTimeAheadMilliseconds ?? 0))
        }
        outputs.append(.verdict(isBad: isBad, partition: source.partition, offset: source.offset))
    }

    private func alert(_ alert: Alert) {
        outputs.append(.alert(index: alerts.count))
        alerts.append(alert)
    }

    private func deadLetter(_ event: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, source: EventSource, reason: String, detail: String) {
        outputs.append(.deadLetter(index: deadLetters.count))
        deadLetters.append(DeadLetter(event: event, key: key, source: source, reason: reason, detail: detail))
    }

    /// Finds the partition a valid input event goes to on every repartition topic, or, as history,
    /// on each of `historyTopics`.
    private func route(_ event: UnsafeRawBufferPointer, source: EventSource, context: Context, asHistoryFor historyTopics: Set<String>? = nil) {
        let asHistory = historyTopics != nil
        for (index, route) in context.router.routes.enumerated() where historyTopics?.contains(route.topic) ?? true {
            guard context.router.key(at: routeKeyPositions[index], of: task.engine, into: &routeKey) else {
                // The metric counts live events a route could not forward.
                if !asHistory { counts.unroutable[route.topic, default: 0] += 1 }
                continue
            }
            let count = context.partitionCounts[index]
            let partition = routeKey.withUnsafeBytes { KafkaProducer.partition(ofKey: $0, partitionCount: count) }
            let destination = RepartitionBundler.Destination(
                route: index, partition: partition, inputPartition: source.partition, isHistory: asHistory)
            outputs.append(.repartitioned(event: event, offset: source.offset, destination: destination))
        }
    }
}
