package import Logging
package import ServiceLifecycle
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

    package init(configuration: PipelineConfiguration, plan: RulePlan, logger: Logger) {
        self.configuration = configuration
        self.plan = plan
        self.logger = logger
    }

    package func run() async throws {
        let work = Work(configuration: configuration, plan: plan, status: status, logger: logger)
        try await DedicatedThread.run(label: "vigil.pipeline", signal: stop) { signal in
            try work.run(until: signal)
        }
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
    let status: PipelineStatus
    let logger: Logger

    func run(until signal: StopSignal) throws {
        do {
            let worker = try PipelineWorker(configuration: configuration, plan: plan, status: status, logger: logger)
            try worker.run { signal.isRequested }
            status.update { $0.phase = .stopped }
        } catch {
            status.update { $0.phase = .failed }
            logger.critical("pipeline stopped: \(error)")
            throw error
        }
    }
}
