import Dispatch
import Synchronization
import VigilKafka

/// Serializes frozen partition snapshots on a thread of its own, one batch at a time, so that a
/// snapshot taken at a commit holds the processing loop up only for freezing the state (see
/// `FrozenWindowStore`), not for encoding every window entry.
final class SnapshotSerializer: Sendable {
    /// One partition's snapshot, serialized.
    struct Serialized: Sendable {
        let partition: TopicPartition
        let position: Int64
        let bytes: [UInt8]
        /// The time spent serializing it.
        let duration: Duration
    }

    private struct State {
        var isBusy = false
        var finished: [Serialized] = []
    }

    private let queue = DispatchQueue(label: "vigil.snapshots")
    private let state = Mutex(State())

    /// Whether a batch is still being serialized.
    var isBusy: Bool { state.withLock { $0.isBusy } }

    /// Whether serialized snapshots wait to be taken.
    var hasFinished: Bool { state.withLock { !$0.finished.isEmpty } }

    /// Serializes `snapshots` in the background, one after the other, leaving the other core to
    /// the processing loop. Call only when not ``isBusy``, so that at most one batch of frozen
    /// state is kept beside the live one.
    func submit(_ snapshots: [(TopicPartition, FrozenPartitionSnapshot)]) {
        state.withLock { $0.isBusy = true }
        queue.async {
            let serialized = snapshots.map(Self.serialize)
            self.state.withLock {
                $0.finished += serialized
                $0.isBusy = false
            }
        }
    }

    /// The snapshots serialized since the last call.
    func takeFinished() -> [Serialized] {
        state.withLock { state in
            defer { state.finished = [] }
            return state.finished
        }
    }

    /// Waits until the batch being serialized, if any, is finished.
    func waitUntilIdle() {
        queue.sync {}
    }

    /// Serializes `snapshots` at once, in parallel: at shutdown, when nothing else is left to do.
    static func serializeNow(_ snapshots: [(TopicPartition, FrozenPartitionSnapshot)]) -> [Serialized] {
        let results = Mutex<[Int: Serialized]>([:])
        DispatchQueue.concurrentPerform(iterations: snapshots.count) { index in
            let serialized = serialize(snapshots[index])
            results.withLock { $0[index] = serialized }
        }
        return results.withLock { results in snapshots.indices.compactMap { results[$0] } }
    }

    private static func serialize(_ snapshot: (partition: TopicPartition, frozen: FrozenPartitionSnapshot)) -> Serialized {
        let started = ContinuousClock.now
        let bytes = snapshot.frozen.serialized()
        return Serialized(partition: snapshot.partition, position: snapshot.frozen.position, bytes: bytes, duration: .now - started)
    }
}
