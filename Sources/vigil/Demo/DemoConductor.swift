import ServiceLifecycle
import Synchronization
import VigilPipeline

/// Ends the demo once every event sent was processed and every alert reached the terminal.
struct DemoConductor: Service {
    let pipeline: Pipeline
    let feeder: TrafficFeeder
    let follower: AlertFollower
    let stopsWhenDone: Bool

    func run() async throws {
        guard stopsWhenDone else {
            try await gracefulShutdown()
            return
        }
        // Done when the input is read and every event written to a repartition topic was read back too.
        try await waitUntil(timeout: .seconds(120)) {
            let snapshot = pipeline.status.snapshot
            return feeder.isFinished.load(ordering: .sequentiallyConsistent) && snapshot.eventsConsumed >= feeder.totalSent
                && snapshot.repartitionedEventsConsumed + snapshot.duplicatesSkipped >= snapshot.eventsRepartitioned
        }
        // Alerts are on the topic once their batch is committed; give the follower time to read them.
        let alertTotal = pipeline.status.snapshot.alertCount + pipeline.status.snapshot.shadowAlertsByRule.values.reduce(0, +)
        try await waitUntil(timeout: .seconds(15)) { follower.distinctAlerts >= alertTotal }
    }

    /// Polls `condition` every 50 ms; ends early on shutdown.
    private func waitUntil(timeout: Duration, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(), ContinuousClock.now < deadline, !Task.isShuttingDownGracefully {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
