import VigilKafka

/// How far a batch got in each partition, and where the current run of bad messages began.
struct BatchProgress {
    /// Partitions finished with in this batch, by the next offset to read.
    private var settled: [TopicPartition: Int64] = [:]
    /// The partition being advanced now. A batch holds runs of one partition, so it joins
    /// `settled` only when another partition comes, not with a dictionary write per message.
    private var current: (partition: TopicPartition, nextOffset: Int64)?
    /// `nextOffsets` as it was when the latest run of bad messages began: what to commit if the
    /// bad-input guard trips, so the bad stretch is read again after the fix.
    private(set) var beforeBadRun: [TopicPartition: Int64] = [:]
    /// Whether a run of bad messages began in this batch (`beforeBadRun` is empty when it began
    /// with the batch's first message).
    private(set) var badRunBegan = false

    /// The next offset to read, by partition.
    var nextOffsets: [TopicPartition: Int64] {
        guard let current else { return settled }
        var offsets = settled
        offsets[current.partition] = current.nextOffset
        return offsets
    }

    mutating func advance(_ partition: TopicPartition, past offset: Int64) {
        if let current, current.partition != partition { settled[current.partition] = current.nextOffset }
        current = (partition, offset + 1)
    }

    mutating func markBadRunStart() {
        beforeBadRun = nextOffsets
        badRunBegan = true
    }
}

/// What one batch added to the counters; published with its commit.
struct BatchTally {
    var consumed = 0
    var evaluated = 0
    var late = 0
    /// History replayed to rebuild window state (outputs discarded); published whether or not the
    /// batch commits, since a batch of pure replay has nothing to commit.
    var replayed = 0
    /// History read again after a reload to fill new window states (see `PartitionTask.beginBackfill(historyReach:addedTopics:)`).
    var backfilled = 0
    /// Copies of input events on a repartition topic, recognised and not counted twice.
    var duplicatesSkipped = 0
    /// Messages librdkafka handed out again after they were processed (e.g. after a pause), skipped.
    var redeliveriesSkipped = 0
    /// Events written to repartition topics.
    var repartitioned = 0
    /// Events read back from repartition topics (not counted in `consumed`, which is the input's).
    var repartitionedConsumed = 0
    /// Input events that lack a repartition topic's key fields, by topic.
    var unroutable: [String: Int] = [:]
    var alertsByRule: [String: Int] = [:]
    var shadowAlertsByRule: [String: Int] = [:]
    var deadLettersByReason: [String: Int] = [:]
    /// Time spent evaluating and sending the batch's messages, excluding acknowledgement and commit.
    var evaluationNanoseconds: Int64 = 0
    /// Producer timestamp to evaluation, for a sample of the batch's messages.
    var endToEndSamples: [Int64] = []

    /// Adds the event counters a lane kept while evaluating (the rest are counted as outputs are sent).
    mutating func add(evaluationCounts lane: BatchTally) {
        consumed += lane.consumed
        evaluated += lane.evaluated
        late += lane.late
        duplicatesSkipped += lane.duplicatesSkipped
        replayed += lane.replayed
        backfilled += lane.backfilled
        repartitionedConsumed += lane.repartitionedConsumed
        unroutable.merge(lane.unroutable, uniquingKeysWith: +)
    }

    func add(to snapshot: inout PipelineSnapshot) {
        snapshot.eventsConsumed += consumed
        snapshot.eventsEvaluated += evaluated
        snapshot.lateEvents += late
        snapshot.duplicatesSkipped += duplicatesSkipped
        snapshot.backfilledMessages += backfilled
        snapshot.eventsRepartitioned += repartitioned
        snapshot.repartitionedEventsConsumed += repartitionedConsumed
        snapshot.unroutableByTopic.merge(unroutable, uniquingKeysWith: +)
        snapshot.alertsByRule.merge(alertsByRule, uniquingKeysWith: +)
        snapshot.shadowAlertsByRule.merge(shadowAlertsByRule, uniquingKeysWith: +)
        snapshot.deadLettersByReason.merge(deadLettersByReason, uniquingKeysWith: +)
    }
}
