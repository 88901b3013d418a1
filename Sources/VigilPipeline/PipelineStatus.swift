import Synchronization
package import VigilKafka

/// What a pipeline has done so far, readable from any task while it runs.
package struct PipelineSnapshot: Sendable {
    package enum Phase: String, Sendable {
        case starting, running, stopping, stopped, failed
    }

    package var phase = Phase.starting
    package var rulesetVersion = ""
    package var eventsConsumed = 0
    package var eventsEvaluated = 0
    package var lateEvents = 0
    package var alertsByRule: [String: Int] = [:]
    package var shadowAlertsByRule: [String: Int] = [:]
    package var deadLettersByReason: [String: Int] = [:]
    /// Rule evaluations that could not decide because a field or aggregate was missing, by rule.
    package var unknownByRule: [String: Int] = [:]
    package var suppressedByRule: [String: Int] = [:]
    package var assignment: Set<TopicPartition> = []
    /// The next offset to read, as last committed, by partition.
    package var committed: [TopicPartition: Int64] = [:]
    package var batchesCommitted = 0
    package var reloadsApplied = 0
    package var reloadsRejected = 0
    /// The diagnostics of the last rejected rule set.
    package var lastReloadError: String?

    package var alertCount: Int { alertsByRule.values.reduce(0, +) }
    package var deadLetterCount: Int { deadLettersByReason.values.reduce(0, +) }
}

/// A pipeline's live status, updated once per batch (never per event) by the processing thread.
package final class PipelineStatus: Sendable {
    private let state = Mutex(PipelineSnapshot())

    package init() {}

    package var snapshot: PipelineSnapshot { state.withLock { $0 } }

    func update(_ body: (inout PipelineSnapshot) -> Void) {
        state.withLock { body(&$0) }
    }
}
