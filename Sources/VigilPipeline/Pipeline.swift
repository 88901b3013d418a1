package import Logging
import ServiceLifecycle
import Synchronization
package import VigilRules

/// Vigil's stream processor as a `Service`: consume payments, evaluate rules, publish alerts.
///
/// The blocking Kafka loop runs on a thread of its own. A graceful shutdown (SIGTERM/SIGINT through
/// the service group), task cancellation or `requestStop` asks the loop to stop: it finishes the
/// batch in hand, waits for its alerts to be acknowledged, commits, and leaves the group; then
/// `run` returns.
package final class Pipeline: Service {
    package let configuration: PipelineConfiguration
    package let status = PipelineStatus()
    private let logger: Logger
    private let stop = StopSignal()
    /// A rule set waiting to be swapped in before the next batch.
    private let pendingPlan: PendingPlan

    /// - Throws: when a rule's aggregates share no key field, so no partitioning serves it.
    package init(configuration: PipelineConfiguration, plan: RulePlan, logger: Logger) throws(Diagnostics) {
        self.configuration = configuration
        self.logger = logger
        self.pendingPlan = PendingPlan(initial: plan, topology: try configuration.topology(for: plan))
    }

    package func run() async throws {
        let work = Work(configuration: configuration, pendingPlan: pendingPlan, status: status, logger: logger)
        try await DedicatedThread.run(label: "vigil.pipeline", signal: stop) { signal in
            try work.run(until: signal)
        }
    }

    /// The rule set in force (or about to be, when one was just offered).
    package var activePlan: RulePlan { pendingPlan.current.plan }

    /// Where each rule of the active set runs: the input topic or a repartition topic.
    package var topology: PipelineTopology { pendingPlan.current.topology }

    /// Hands over a compiled rule set; the loop switches to it between two batches. Safe from any thread.
    /// - Throws: when the set cannot be spread over partitions; the running set stays in force.
    package func offer(_ plan: RulePlan) throws(Diagnostics) {
        pendingPlan.offer(plan, topology: try configuration.topology(for: plan))
    }

    /// Asks the loop to stop after the batch in hand; safe from any thread.
    package func requestStop() {
        stop.request()
    }
}

/// What the pipeline's thread needs, as one sendable value.
private struct Work: Sendable {
    let configuration: PipelineConfiguration
    let pendingPlan: PendingPlan
    let status: PipelineStatus
    let logger: Logger

    func run(until signal: StopSignal) throws {
        do {
            let worker = try PipelineWorker(configuration: configuration, pendingPlan: pendingPlan, status: status, logger: logger)
            try worker.run { signal.isRequested }
            status.update { $0.phase = .stopped }
        } catch {
            status.update { $0.phase = .failed }
            logger.critical("pipeline stopped: \(error)")
            throw error
        }
    }
}

/// The latest rule set offered and not yet taken (a newer offer replaces an older one), and the
/// latest one offered at all, each with its topology.
final class PendingPlan: Sendable {
    typealias Entry = (plan: RulePlan, topology: PipelineTopology)
    private let state: Mutex<(pending: Entry?, current: Entry)>

    init(initial plan: RulePlan, topology: PipelineTopology) {
        state = Mutex((nil, (plan, topology)))
    }

    func offer(_ plan: RulePlan, topology: PipelineTopology) {
        state.withLock { $0 = ((plan, topology), (plan, topology)) }
    }

    func take() -> Entry? {
        state.withLock { state in
            defer { state.pending = nil }
            return state.pending
        }
    }

    var current: Entry {
        state.withLock { $0.current }
    }
}
