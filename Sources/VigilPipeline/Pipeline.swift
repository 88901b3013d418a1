package import Logging
package import ServiceLifecycle
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
    private let plan: RulePlan
    private let logger: Logger
    private let stop = StopSignal()
    /// A rule set waiting to be swapped in before the next batch.
    private let pendingPlan: PendingPlan

    package init(configuration: PipelineConfiguration, plan: RulePlan, logger: Logger) {
        self.configuration = configuration
        self.plan = plan
        self.logger = logger
        self.pendingPlan = PendingPlan(initial: plan)
    }

    package func run() async throws {
        let work = Work(configuration: configuration, plan: plan, pendingPlan: pendingPlan, status: status, logger: logger)
        try await DedicatedThread.run(label: "vigil.pipeline", signal: stop) { signal in
            try work.run(until: signal)
        }
    }

    /// The rule set in force (or about to be, when one was just offered).
    package var activePlan: RulePlan { pendingPlan.latest }

    /// Hands over a compiled rule set; the loop switches to it between two batches. Safe from any thread.
    package func offer(_ plan: RulePlan) {
        pendingPlan.offer(plan)
    }

    /// Asks the loop to stop after the batch in hand; safe from any thread.
    package func requestStop() {
        stop.request()
    }
}

/// What the pipeline's thread needs, as one sendable value.
private struct Work: Sendable {
    let configuration: PipelineConfiguration
    let plan: RulePlan
    let pendingPlan: PendingPlan
    let status: PipelineStatus
    let logger: Logger

    func run(until signal: StopSignal) throws {
        do {
            let worker = try PipelineWorker(
                configuration: configuration, plan: plan, pendingPlan: pendingPlan, status: status, logger: logger
            )
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
/// latest one offered at all.
final class PendingPlan: Sendable {
    private let state: Mutex<(pending: RulePlan?, latest: RulePlan)>

    init(initial plan: RulePlan) {
        state = Mutex((nil, plan))
    }

    func offer(_ newPlan: RulePlan) {
        state.withLock { $0 = (newPlan, newPlan) }
    }

    func take() -> RulePlan? {
        state.withLock { state in
            defer { state.pending = nil }
            return state.pending
        }
    }

    var latest: RulePlan {
        state.withLock { $0.latest }
    }
}
