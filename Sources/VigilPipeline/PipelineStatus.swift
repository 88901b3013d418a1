import Synchronization
package import VigilEngine
package import VigilKafka

/// What a pipeline has done so far, readable from any task while it runs.
package struct PipelineSnapshot: Sendable {
    package enum Phase: String, Sendable {
        case starting, running, stopping, stopped, failed
    }

    package var phase = Phase.starting
    package var rulesetVersion = ""
    /// When the rule set in force was swapped in, epoch milliseconds.
    package var rulesetLoadedAt: Int64?
    /// Messages read from the input topic (repartition topics are counted apart).
    package var eventsConsumed = 0
    package var eventsEvaluated = 0
    package var lateEvents = 0
    /// Messages replayed to rebuild window state after partitions arrived.
    package var replayedMessages = 0
    /// Messages read again after reloads, to fill the window states the new rules started.
    package var backfilledMessages = 0
    /// Partition snapshots written (and acknowledged) at commits, their bytes, and the time taking
    /// them held the loop up.
    package var snapshotsWritten = 0
    package var snapshotBytesWritten = 0
    package var snapshotTime = Duration.zero
    /// Arriving partitions whose state was loaded from a snapshot, and those whose snapshot could
    /// not be used (they were replayed instead).
    package var snapshotsLoaded = 0
    package var snapshotsRefused = 0
    /// The longest a partition took from its assignment to going live (snapshot load and replay).
    package var slowestRestore = Duration.zero
    /// Repeated copies of input events on repartition topics (from a replayed input batch), skipped.
    package var duplicatesSkipped = 0
    package var eventsRepartitioned = 0
    package var repartitionedEventsConsumed = 0
    /// Input events without the key fields of a repartition topic, by topic.
    package var unroutableByTopic: [String: Int] = [:]
    /// Partitions whose window state is still being rebuilt: the replica is not ready meanwhile.
    package var restoring: Set<TopicPartition> = []
    /// Partitions reading their history again after a reload, to fill the windows new rules started.
    /// Their live events wait meanwhile, but the replica stays ready: its other partitions go on.
    package var backfilling: Set<TopicPartition> = []
    package var alertsByRule: [String: Int] = [:]
    package var shadowAlertsByRule: [String: Int] = [:]
    package var deadLettersByReason: [String: Int] = [:]
    /// Rule evaluations that could not decide because a field or aggregate was missing, by rule.
    package var unknownByRule: [String: Int] = [:]
    package var suppressedByRule: [String: Int] = [:]
    package var assignment: Set<TopicPartition> = []
    /// The next offset to read, as last committed, by partition.
    package var committed: [TopicPartition: Int64] = [:]
    package var commits = 0
    /// Non-empty batches taken from the consumer and evaluated.
    package var batchesEvaluated = 0
    package var reloadsApplied = 0
    package var reloadsRejected = 0
    /// The diagnostics of the last rejected rule set.
    package var lastReloadError: String?
    /// When the processing loop last completed an iteration.
    package var lastLoopAt: ContinuousClock.Instant?
    /// The group's first assignment arrived (it may legitimately be empty: more replicas than partitions).
    package var hasJoinedGroup = false
    package var isBrokerReachable = true
    /// Messages behind the partition's end, as of the last batch.
    package var consumerLag: [TopicPartition: Int64] = [:]
    package var windowState = Engine.StateSummary()
    /// Time spent on batches (evaluate, send, wait for acknowledgements, commit), excluding idle polls.
    package var busyTime = Duration.zero

    /// The loop is not wedged. Kafka outages do not count: a flush may block for its whole timeout.
    package func isAlive(now: ContinuousClock.Instant, tolerance: Duration = .seconds(60)) -> Bool {
        switch phase {
        case .failed, .stopped: return false
        case .starting: return true
        case .running, .stopping: return lastLoopAt.map { now - $0 < tolerance } ?? true
        }
    }

    /// Why this replica should not get traffic, or nil when it is ready.
    package var notReadyReason: String? {
        if phase != .running { return "pipeline is \(phase.rawValue)" }
        if !hasJoinedGroup { return "waiting for the first partition assignment" }
        if !isBrokerReachable { return "no broker reachable" }
        if !restoring.isEmpty { return "restoring the window state of \(restoring.count) partition\(restoring.count == 1 ? "" : "s")" }
        return nil
    }

    package var alertCount: Int { alertsByRule.values.reduce(0, +) }
    package var deadLetterCount: Int { deadLettersByReason.values.reduce(0, +) }
}

/// A pipeline's live status, updated once per batch (never per event) by the processing thread.
package final class PipelineStatus: Sendable {
    private let state = Mutex(PipelineSnapshot())

    package init() {}

    package var snapshot: PipelineSnapshot { state.withLock { $0 } }

    @discardableResult
    func update<Result>(_ body: (inout PipelineSnapshot) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}
