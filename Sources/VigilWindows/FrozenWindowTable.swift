import VigilValues

/// A table's windows as they were at one moment, to be written out later, maybe on another thread.
///
/// Taking one copies nothing: the lanes with their rings, the keys and the shared values are
/// arrays and dictionaries whose storage the table keeps sharing until it next changes one of
/// them, and that change copies the one it touches (the lane array, the key list or a distinct
/// count's value tables whole, a ring alone). A snapshot therefore holds the processing loop up
/// for about the time to copy those once, instead of the time to encode every entry.
struct FrozenWindowTable<Policy: WindowPolicy>: Sendable {
    let function: WindowFunction
    let width: Int64
    let watermark: Int64
    let lanes: [Lane<Policy>]
    let keys: KeyDirectory.FrozenKeys
    let shared: Policy.Shared

    /// Every key with its observations in time order, sorted by key, without expired entries.
    func histories() -> [WindowSnapshot.KeyHistory] {
        liveLanes().map { lane, first in
            let ring = lanes[lane].ring
            let observations = (first..<ring.count).map { position in
                WindowSnapshot.Observation(time: ring[position].time, value: Policy.value(of: ring[position], shared: shared))
            }
            return WindowSnapshot.KeyHistory(key: keys.key(ofLane: lane).text, observations: observations)
        }
    }

    /// Writes what ``WindowSnapshot/write(to:)`` writes for ``histories()``, without building them.
    func writeSnapshot(to writer: inout SnapshotWriter) {
        let live = liveLanes()
        WindowSnapshot.writeHeader(function: function, widthMilliseconds: width, watermark: watermark, keyCount: live.count, to: &writer)
        for (lane, first) in live {
            let ring = lanes[lane].ring
            WindowSnapshot.writeHistory(
                key: keys.key(ofLane: lane).text, count: ring.count - first, function: function, to: &writer,
                time: { ring[first + $0].time }, value: { Policy.value(of: ring[first + $0], shared: shared) })
        }
    }

    /// The lanes with entries a query can still reach, sorted by key, with the position of each one's first such entry.
    private func liveLanes() -> [(lane: Int, first: Int)] {
        let horizon = watermark.clampedSubtracting(width)
        let live = lanes.indices.compactMap { index -> (lane: Int, first: Int)? in
            guard !lanes[index].ring.isEmpty else { return nil }
            let first = lanes[index].ring.firstPosition(after: horizon)
            return first < lanes[index].ring.count ? (index, first) : nil
        }
        return live.sorted { keys.key(ofLane: $0.lane).text < keys.key(ofLane: $1.lane).text }
    }
}

/// A store's windows at one moment, whatever its function (see ``FrozenWindowTable``).
package struct FrozenWindowStore: Sendable {
    private let write: @Sendable (inout SnapshotWriter) -> Void

    init<Policy>(_ table: FrozenWindowTable<Policy>) {
        write = { table.writeSnapshot(to: &$0) }
    }

    /// Appends the store's snapshot as it was when frozen, as `snapshot().write(to:)` would then have.
    package func writeSnapshot(to writer: inout SnapshotWriter) {
        write(&writer)
    }
}
