import Dispatch
import ServiceLifecycle
import Synchronization

/// A request to stop, set from any thread and read by a blocking loop between iterations.
package final class StopSignal: Sendable {
    private let flag = Atomic(false)

    package init() {}

    package var isRequested: Bool { flag.load(ordering: .relaxed) }

    package func request() {
        flag.store(true, ordering: .relaxed)
    }
}

/// Runs blocking work (librdkafka polls and flushes) on a thread of its own, never on Swift's
/// cooperative pool, and raises `signal` on graceful shutdown or task cancellation.
package enum DedicatedThread {
    package static func run<Result: Sendable>(
        label: String,
        signal: StopSignal = StopSignal(),
        _ body: @escaping @Sendable (StopSignal) throws -> Result
    ) async throws -> Result {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    DispatchQueue(label: label).async {
                        continuation.resume(with: Swift.Result { try body(signal) })
                    }
                }
            } onCancel: {
                signal.request()
            }
        } onGracefulShutdown: {
            signal.request()
        }
    }
}
