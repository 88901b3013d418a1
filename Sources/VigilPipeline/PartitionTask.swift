import VigilEngine
import VigilKafka
import VigilRules
import VigilWindows

/// One assigned partition: its own engine, its restore progress, and (on a repartition topic)
/// which input messages it has already counted.
///
/// State follows partitions: when a partition moves to another replica, its window state is
/// rebuilt there from the latest snapshot and the history after it (or, without a snapshot, by
/// replaying the partition's recent history), and the old owner drops its copy.
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
    /// The snapshot every commit names: the latest one written, or the one the state was loaded from.
    var snapshot: SnapshotReference?
    private(set) var processedSinceSnapshot = 0
    private(set) var snapshotTakenAt: ContinuousClock.Instant
    private var hasTakenSnapshot = false
    /// The share, in thousandths, of the interval after which the first snapshot is due: 500 to
    /// 999 by the partition, so that partitions assigned together are not all snapshotted at the
    /// same commit, each holding the loop up in turn.
    private let firstSnapshotShare: Int
    private(set) var isRestoredFromSnapshot = false
    /// Where reading should move to after a snapshot was loaded, until a message at or after it
    /// has been processed.
    private var skipTarget: Int64?
    private var hasRetriedSkip = false
    /// While a reload's new window states are filled from history: messages before this offset,
    /// evaluated before the reload, go to those states only (see ``beginBackfill(historyReach:addedTopics:)``).
    private(set) var backfillUntil: Int64?
    private(set) var backfilledMessages = 0
    private(set) var backfillStartedAt = ContinuousClock.now
    /// Where the backfill asked reading to start, until its first message shows where it did.
    private var backfillRequestedStart: Int64?
    /// ``countedInputOffsets`` for the backfill: the history holds every input event once more.
    private var backfillCountedInputOffsets: [Int32: Int64] = [:]
    /// Repartition topics this input partition still owes its history: added by a reload, or
    /// missing from the routes its last commit named (``RestorePoint/routes``). A restore's replay
    /// sends its events there; a backfill sends its history there, so that the rules there start
    /// with the windows they would have had.
    private(set) var owedHistory: Set<String> = []

    init(partition: TopicPartition, engine: Engine, isRepartitioned: Bool, replayFrom: Int64, restoreUntil: Int64?) {
        self.partition = partition
        self.engine = engine
        self.isRepartitioned = isRepartitioned
        self.anchors = ReplayAnchors(replayFrom: replayFrom)
        self.replayFromBeforeBatch = replayFrom
        self.restoreUntil = restoreUntil.flatMap { $0 > replayFrom ? $0 : nil }
        self.requestedStart = self.restoreUntil == nil ? nil : replayFrom
        self.snapshotTakenAt = assignedAt
        let spread = partition.topic.utf8.reduce(UInt32(bitPattern: partition.partition)) { $0 &* 31 &+ UInt32($1) }
        self.firstSnapshotShare = 500 + Int(spread % 500)
    }

    /// The offset reading should move to after loading a snapshot: asked once when the snapshot is
    /// loaded (`below` nil), and once more by the first message from before it, which shows that
    /// the first move did not hold; nil once reading has got there.
    func skipTarget(below offset: Int64? = nil) -> Int64? {
        guard let target = skipTarget else { return nil }
        guard let offset else { return target }
        guard offset < target, !hasRetriedSkip else { return nil }
        hasRetriedSkip = true
        return target
    }

    /// Whether the state changed since the last snapshot and `interval` has passed; never while restoring.
    func isSnapshotDue(interval: Duration, at now: ContinuousClock.Instant) -> Bool {
        let wait = hasTakenSnapshot ? interval : interval * firstSnapshotShare / 1000
        return !isRestoring && !isBackfilling && nextOffset >= 0 && processedSinceSnapshot > 0 && now - snapshotTakenAt >= wait
    }

    /// The state as of ``nextOffset``, frozen to be serialized later, maybe on another thread;
    /// the caller names it in a commit once it is durable.
    func freezeSnapshot() -> FrozenPartitionSnapshot {
        processedSinceSnapshot = 0
        snapshotTakenAt = .now
        hasTakenSnapshot = true
        return FrozenPartitionSnapshot(position: nextOffset, countedInputOffsets: countedInputOffsets, engine: engine.frozenState())
    }

    /// Takes a loaded snapshot's state, before any message was processed; reading continues at its position.
    /// - Returns: true when that completes the restore (the snapshot is at the committed offset).
    func restore(from loaded: PartitionSnapshot, reference: SnapshotReference) throws(WindowSnapshotError) -> Bool {
        guard nextOffset < 0 else { throw .malformed("the partition has already processed messages") }
        try engine.restore(fromSnapshot: loaded.engine)
        countedInputOffsets = loaded.countedInputOffsets
        nextOffset = loaded.position
        snapshot = reference
        isRestoredFromSnapshot = true
        requestedStart = restoreUntil.map { _ in loaded.position }
        skipTarget = loaded.position
        return finishRestore(ifReached: loaded.position)
    }

    /// True when the first replayed message lies past the restore point: retention has removed
    /// history the windows need (one offset of slack for a transaction marker).
    func revealsLostHistory(firstOffset offset: Int64) -> Bool {
        Self.isPast(&requestedStart, firstOffset: offset)
    }

    /// Whether the first message read lies past where reading was asked to start; asks once.
    private static func isPast(_ requested: inout Int64?, firstOffset offset: Int64) -> Bool {
        guard let start = requested else { return false }
        requested = nil
        return offset > start + 1
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
    /// - Parameter isBackfill: whether the message is history for a backfill, which counts the
    ///   events it has seen apart from live traffic.
    func forEachEvent(
        in message: KafkaMessage, inputTopic: String, isBackfill: Bool = false,
        _ body: (UnsafeRawBufferPointer, EventSource) throws -> Void
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
            let record = RepartitionBundle.Entry(offset: origin.offset, bytes: message.value)
            skipped.duplicates = try forEachNew([record], from: origin.partition, inputTopic: inputTopic, isBackfill: isBackfill, body)
        case true?:
            guard let entries = RepartitionBundle.Entries(message.value) else {
                skipped.brokenBecause = "the bundle's event lengths or offsets are inconsistent with its \(message.value.count) bytes"
                return skipped
            }
            skipped.duplicates = try forEachNew(entries, from: origin.partition, inputTopic: inputTopic, isBackfill: isBackfill, body)
        case nil:
            skipped.brokenBecause = "unknown \(RepartitionBundle.formatHeader) format"
        }
        return skipped
    }

    /// Hands `body` the events of one input partition that are new here, counting each; returns
    /// how many were copies. The partition's newest counted offset is read once and written back
    /// once, not looked up per event.
    private func forEachNew(
        _ entries: some Sequence<RepartitionBundle.Entry>, from inputPartition: Int32, inputTopic: String, isBackfill: Bool,
        _ body: (UnsafeRawBufferPointer, EventSource) throws -> Void
    ) rethrows -> Int {
        var newest = newestCounted(inputPartition: inputPartition, isBackfill: isBackfill)
        defer { setNewestCounted(newest, inputPartition: inputPartition, isBackfill: isBackfill) }
        var duplicates = 0
        for entry in entries {
            if let newest, entry.offset <= newest {
                duplicates += 1
                continue
            }
            newest = entry.offset
            try body(entry.bytes, EventSource(topic: inputTopic, partition: inputPartition, offset: entry.offset))
        }
        return duplicates
    }

    private func newestCounted(inputPartition: Int32, isBackfill: Bool) -> Int64? {
        isBackfill ? backfillCountedInputOffsets[inputPartition] : countedInputOffsets[inputPartition]
    }

    private func setNewestCounted(_ offset: Int64?, inputPartition: Int32, isBackfill: Bool) {
        if isBackfill {
            backfillCountedInputOffsets[inputPartition] = offset
        } else {
            countedInputOffsets[inputPartition] = offset
        }
    }

    /// After a message went through the engine (replayed or live).
    /// - Returns: true when this message completed the restore.
    func processed(offset: Int64) -> Bool {
        nextOffset = offset + 1
        processedSinceSnapshot += 1
        if let target = skipTarget, offset >= target { skipTarget = nil }
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
        // The replay sent its events to the topics owed history.
        owedHistory = []
        return true
    }

    // MARK: - Backfill after a reload

    var isBackfilling: Bool { backfillUntil != nil }

    /// Notes repartition topics this input partition has not sent its history to.
    func owe(history topics: Set<String>) {
        guard !isRepartitioned else { return }
        owedHistory.formUnion(topics)
    }

    /// Starts filling the window states the engine's last reload started with the history they
    /// reach, from the newest checkpoint old enough, up to what has been evaluated so far; live
    /// messages of the partition wait meanwhile. A restoring partition fills them with what its
    /// replay (or the snapshot it loaded) covered before the reload; the rest of its replay runs
    /// through the new rule set, and one that has evaluated nothing yet needs no backfill.
    /// The history also goes to the repartition topics the partition owes it (``owedHistory``).
    /// - Parameters:
    ///   - reach: how far back in event time those topics' windows reach, lateness included.
    ///   - addedTopics: the repartition topics this reload added. A restoring partition's replay
    ///     already sends its events to the topics it owed before, so only these make it read the
    ///     replayed part again.
    /// - Returns: the offset reading must move back to; nil when there is nothing to fill.
    func beginBackfill(historyReach reach: Int64 = 0, addedTopics: Set<String> = []) -> Int64? {
        let owesNewHistory = isRestoring ? !owedHistory.isDisjoint(with: addedTopics) : !owedHistory.isEmpty
        guard engine.needsBackfill || owesNewHistory else { return nil }
        let longest = max(engine.needsBackfill ? engine.backfillReachMilliseconds : 0, reach)
        let start = nextOffset < 0 ? nil : anchors.start(reaching: longest, from: engine.watermark)
        guard let start, start < nextOffset else {
            engine.endBackfill()
            // A restoring partition sends its history once restored; one with none owes nothing.
            if !isRestoring { owedHistory = [] }
            return nil
        }
        backfillUntil = nextOffset
        backfilledMessages = 0
        backfillStartedAt = .now
        backfillRequestedStart = start
        backfillCountedInputOffsets = [:]
        return start
    }

    /// Whether a message at `offset` is history for the backfill.
    func isBackfill(_ offset: Int64) -> Bool {
        guard let backfillUntil else { return false }
        return offset < backfillUntil
    }

    /// After a message of history went to the backfill.
    /// - Returns: true when it was the last one.
    func backfilled(offset: Int64) -> Bool {
        backfilledMessages += 1
        return finishBackfill(ifReached: offset + 1)
    }

    /// Ends the backfill once reading has reached the offset live evaluation stopped at.
    func finishBackfill(ifReached position: Int64) -> Bool {
        guard let until = backfillUntil, position >= until else { return false }
        backfillUntil = nil
        backfillCountedInputOffsets = [:]
        // A restoring partition's replay goes on sending its events to the topics owed history.
        if !isRestoring { owedHistory = [] }
        engine.endBackfill()
        return true
    }

    /// True when the backfill's first message lies past where it asked to start: retention has
    /// removed history the new windows reach.
    func backfillRevealsLostHistory(firstOffset offset: Int64) -> Bool {
        Self.isPast(&backfillRequestedStart, firstOffset: offset)
    }

    /// Notes, before a batch's messages are evaluated, where a restore would start: a commit that
    /// stops short of what was evaluated (the bad-input guard tripped) stores this earlier, safe point.
    func startBatch() {
        replayFromBeforeBatch = anchors.replayFrom
    }

    /// Where a restore of this partition would start now, to store with the next commit.
    /// - Parameters:
    ///   - fromBatchStart: the point noted by ``startBatch()``, for offsets before the last
    ///     evaluated message: the current one may already count later messages and skip history
    ///     those offsets need.
    ///   - routes: the repartition topics of the rule set in force; those the partition still owes
    ///     its history are left out.
    func restorePoint(fromBatchStart: Bool = false, routes: [String] = []) -> RestorePoint {
        let sent = isRepartitioned ? nil : routes.filter { !owedHistory.contains($0) }
        if fromBatchStart { return RestorePoint(replayFrom: replayFromBeforeBatch, snapshot: snapshot, routes: sent) }
        let memory = engine.plan.longestMemoryMilliseconds + engine.options.allowedLatenessMilliseconds
        return RestorePoint(replayFrom: anchors.advance(watermark: engine.watermark, memory: memory), snapshot: snapshot, routes: sent)
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
