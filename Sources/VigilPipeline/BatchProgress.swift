/// How far a batch got in each partition, and where the current run of bad messages began.
struct BatchProgress {
    /// The next offset to read, by partition.
    private(set) var nextOffsets: [Int32: Int64] = [:]
    /// `nextOffsets` as it was when the latest run of bad messages began: what to commit if the
    /// bad-input guard trips, so the bad stretch is read again after the fix.
    private(set) var beforeBadRun: [Int32: Int64] = [:]

    mutating func advance(partition: Int32, past offset: Int64) {
        nextOffsets[partition] = offset + 1
    }

    mutating func markBadRunStart() {
        beforeBadRun = nextOffsets
    }
}

/// What one batch added to the counters; published with its commit.
struct BatchTally {
    var consumed = 0
    var evaluated = 0
    var late = 0
    var alertsByRule: [String: Int] = [:]
    var shadowAlertsByRule: [String: Int] = [:]
    var deadLettersByReason: [String: Int] = [:]
    /// Time spent evaluating and sending the batch's messages, excluding acknowledgement and commit.
    var evaluationNanoseconds: Int64 = 0
    /// Producer timestamp to evaluation, for a sample of the batch's messages.
    var endToEndSamples: [Int64] = []

    func add(to snapshot: inout PipelineSnapshot) {
        snapshot.eventsConsumed += consumed
        snapshot.eventsEvaluated += evaluated
        snapshot.lateEvents += late
        snapshot.alertsByRule.merge(alertsByRule, uniquingKeysWith: +)
        snapshot.shadowAlertsByRule.merge(shadowAlertsByRule, uniquingKeysWith: +)
        snapshot.deadLettersByReason.merge(deadLettersByReason, uniquingKeysWith: +)
    }
}
