import VigilEngine
import VigilKafka
import VigilRules

/// One assigned partition: its own engine, its restore progress, and (on a repartition topic)
/// which input messages it has already counted.
///
/// State follows partitions: when a partition moves to another replica, its window state is
/// rebuilt there by replaying the partition's recent history, and the old owner drops its copy.
final class PartitionTask {
    let partition: TopicPartition
    let engine: Engine
    let isRepartitioned: Bool
    /// Messages before this offset are history being replayed: they update state, their outputs
    /// were delivered before the last commit and are discarded. Nil once live.
    private(set) var restoreUntil: Int64?
    private(set) var replayedMessages = 0
    let assignedAt = ContinuousClock.now
    private var anchors: ReplayAnchors
    private var replayFromBeforeBatch: Int64
    /// For repartition topics: per input partition, the newest input offset already counted.
    /// A replayed input batch writes the same records again; they are recognised and skipped.
    private var countedInputOffsets: [Int32: Int64] = [:]
    /// The offset after the last message processed: a message below it was already counted
    /// (librdkafka can hand one out again, e.g. after a pause) and must not be counted twice.
    private(set) var nextOffset: Int64 = -1
    /// Where the replay was asked to start, until the first message shows where it did start.
    private var requestedStart: Int64?

    init(partition: TopicPartition, engine: Engine, isRepartitioned: Bool, replayFrom: Int64, restoreUntil: Int64?) {
        self.partition = partition
        self.engine = engine
        self.isRepartitioned = isRepartitioned
        self.anchors = ReplayAnchors(replayFrom: replayFrom)
        self.replayFromBeforeBatch = replayFrom
        self.restoreUntil = restoreUntil.flatMap { $0 > replayFrom ? $0 : nil }
        self.requestedStart = self.restoreUntil == nil ? nil : replayFrom
    }

    /// True when the first replayed message lies past the restore point: retention has removed
    /// history the windows need (one offset of slack for a transaction marker).
    func revealsLostHistory(firstOffset offset: Int64) -> Bool {
        guard let requested = requestedStart else { return false }
        requestedStart = nil
        return offset > requested + 1
    }

    var isRestoring: Bool { restoreUntil != nil }

    /// Whether a message at `offset` was processed already.
    func hasProcessed(_ offset: Int64) -> Bool {
        offset < nextOffset
    }

    func isReplay(_ offset: Int64) -> Bool {
        guard let restoreUntil else { return false }
        return offset < restoreUntil
    }

    /// What a message carried that was not handed out as an event.
    struct Skipped {
        /// Copies of input events this repartition partition has counted already (a replayed
        /// input batch writes the same events again).
        var duplicates = 0
        /// Why a repartition message is unreadable (missing headers, a broken bundle); nil when it was read.
        var brokenBecause: String?
    }

    /// Hands each new input event that `message` carries to `body`, with where it was read on the
    /// input topic, live or replayed. On a repartition topic each event is counted here, so a later
    /// copy is recognised; a bundle is checked whole before its first event is handed out.
    func forEachEvent(
        in message: KafkaMessage, inputTopic: String, _ body: (UnsafeRawBufferPointer, EventSource) throws -> Void
    ) rethrows -> Skipped {
        var skipped = Skipped()
        guard isRepartitioned else {
            try body(message.value, EventSource(topic: inputTopic, partition: message.partition, offset: message.offset))
            return skipped
        }
        guard let origin = RepartitionOrigin(message) else {
            skipped.brokenBecause = "missing vigil.source headers"
            return skipped
        }
        switch RepartitionBundle.isBundle(message) {
        case false?:
            if counts(inputPartition: origin.partition, offset: origin.offset) {
                try body(message.value, EventSource(topic: inputTopic, partition: origin.partition, offset: origin.offset))
            } else {
                skipped.duplicates += 1
            }
        case true?:
            guard let entries = RepartitionBundle.Entries(message.value) else {
                skipped.brokenBecause = "the bundle's event lengths or offsets are inconsistent with its \(message.value.count) bytes"
                return skipped
            }
            for entry in entries {
                guard counts(inputPartition: origin.partition, offset: entry.offset) else {
                    skipped.duplicates += 1
                    continue
                }
                try body(entry.bytes, EventSource(topic: inputTopic, partition: origin.partition, offset: entry.offset))
            }
        case nil:
            skipped.brokenBecause = "unknown \(RepartitionBundle.formatHeader) format"
        }
        return skipped
    }

    /// Whether the input event at `offset` of input partition `inputPartition` is new here; records it when it is.
    private func counts(inputPartition: Int32, offset: Int64) -> Bool {
        if let counted = countedInputOffsets[inputPartition], offset <= counted { return false }
        countedInputOffsets[inputPartition] = offset
        return true
    }

    /// After a message went through the engine (replayed or live).
    /// - Returns: true when this message completed the restore.
    func processed(offset: Int64) -> Bool {
        nextOffset = offset + 1
        anchors.processed(upTo: offset + 1, watermark: engine.watermark)
        guard let until = restoreUntil else { return false }
        if offset < until { replayedMessages += 1 }
        return finishRestore(ifReached: offset + 1)
    }

    /// Ends the restore once the consumer's position has reached the committed offset (a
    /// transaction marker or a compacted gap can mean no message sits right before it).
    func finishRestore(ifReached position: Int64) -> Bool {
        guard let until = restoreUntil, position >= until else { return false }
        restoreUntil = nil
        return true
    }

    /// Notes, before a batch's messages are evaluated, where a restore would start: a commit that
    /// stops short of what was evaluated (the bad-input guard tripped) stores this earlier, safe point.
    func startBatch() {
        replayFromBeforeBatch = anchors.replayFrom
    }

    /// Where a restore of this partition would start now, to store with the next commit.
    /// - Parameter fromBatchStart: the point noted by ``startBatch()``, for offsets before the
    ///   last evaluated message: the current one may already count later messages and skip
    ///   history those offsets need.
    func restorePoint(fromBatchStart: Bool = false) -> RestorePoint {
        if fromBatchStart { return RestorePoint(replayFrom: replayFromBeforeBatch) }
        let memory = engine.plan.longestMemoryMilliseconds + engine.options.allowedLatenessMilliseconds
        return RestorePoint(replayFrom: anchors.advance(watermark: engine.watermark, memory: memory))
    }
}

extension Engine.StateSummary {
    mutating func add(_ other: Engine.StateSummary) {
        activeKeys += other.activeKeys
        retainedEntries += other.retainedEntries
        estimatedBytes += other.estimatedBytes
    }
}

/// Rule evaluations that could not decide, and firings held back by a cooldown.
struct RuleCounts {
    var unknown = 0
    var suppressed = 0
}

extension [String: RuleCounts] {
    mutating func add(_ statistics: EngineStatistics) {
        for rule in statistics.rules {
            self[rule.ruleID, default: RuleCounts()].unknown += rule.unknown
            self[rule.ruleID, default: RuleCounts()].suppressed += rule.suppressed
        }
    }
}
