package import Logging
import ServiceLifecycle
import Metrics
import Synchronization
import UnixSignals
package import VigilRules

/// Reloads the rule set without a restart: when the rules directory's content changes, on SIGHUP,
/// or when asked (the admin API).
///
/// The directory is polled by content hash rather than watched with inotify: a Kubernetes
/// ConfigMap volume updates by swapping a `..data` symlink, which breaks watches on the files.
/// A new set is compiled and checked completely before the pipeline swaps to it between two
/// batches; a broken set is rejected with its diagnostics in the log and the old one stays in force.
package final class RuleReloader: Service {
    package enum Outcome: Sendable {
        case applied(version: String)
        case unchanged(version: String)
        case rejected(Diagnostics)
    }

    private let directory: String
    private let interval: Duration
    private let pipeline: Pipeline
    private let logger: Logger
    /// The content hash of the directory as last compiled, successfully or not.
    private let lastSeen: Mutex<String>
    private let metrics = ReloadMetrics()

    package init(directory: String, pipeline: Pipeline, currentVersion: String, interval: Duration = .seconds(2), logger: Logger) {
        self.directory = directory
        self.pipeline = pipeline
        self.interval = interval
        self.logger = logger
        self.lastSeen = Mutex(currentVersion)
    }

    package func run() async throws {
        // Shutdown cancels the watch; being cancelled is how this service ends, not a failure.
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        self.logger.info("SIGHUP: reloading rules")
                        _ = self.reload(force: true)
                    }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: self.interval)
                        _ = self.reload(force: false)
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Compiles the directory and hands a valid new set to the pipeline.
    /// - Parameter force: compile even when the content hash has not changed.
    @discardableResult
    package func reload(force: Bool) -> Outcome {
        lastSeen.withLock { lastSeen in
            let fingerprint = RuleCompiler.version(ofDirectory: directory)
            if !force, let fingerprint, fingerprint == lastSeen { return .unchanged(version: lastSeen) }
            if let fingerprint { lastSeen = fingerprint }
            return apply(RuleCompiler.compile(directory: directory))
        }
    }

    private func apply(_ result: Result<RulePlan, Diagnostics>) -> Outcome {
        switch result {
        case .success(let plan) where plan.version == pipeline.activePlan.version:
            // A broken edit undone: say so, since the last word in the log was the rejection.
            let wasBroken = pipeline.status.update { status in
                defer { status.lastReloadError = nil }
                return status.lastReloadError != nil
            }
            if wasBroken {
                logger.notice("rules directory is valid again and matches the running set", metadata: ["version": "\(plan.version)"])
            }
            return .unchanged(version: plan.version)
        case .success(let plan):
            do {
                try pipeline.offer(plan)
            } catch {
                return apply(.failure(error))
            }
            pipeline.status.update {
                $0.reloadsApplied += 1
                $0.lastReloadError = nil
            }
            metrics.applied.increment()
            logger.notice("rules reloaded", metadata: ["version": "\(plan.version)", "rules": "\(plan.rules.count)"])
            return .applied(version: plan.version)
        case .failure(let diagnostics):
            pipeline.status.update {
                $0.reloadsRejected += 1
                $0.lastReloadError = diagnostics.rendered
            }
            metrics.rejected.increment()
            logger.error(
                "rules rejected, the running set stays in force:\n\(diagnostics.rendered)",
                metadata: ["directory": "\(directory)", "errors": "\(diagnostics.items.filter { $0.severity == .error }.count)"]
            )
            return .rejected(diagnostics)
        }
    }
}
