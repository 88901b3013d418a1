/// Where a partition's window state can be rebuilt from, kept as the metadata of its committed offset.
///
/// Vigil restores state by replaying the partition's own history: every message from
/// `replayFrom` up to the committed offset goes through the engine again with its outputs
/// discarded (they were delivered before the commit). Messages before `replayFrom` are older
/// than any window or cooldown can reach, so skipping them changes no future alert. When a
/// snapshot of the partition's state was written before the commit, the metadata names it too:
/// a new owner loads it and replays only from the snapshot's position.
///
/// An input partition's commit also names the repartition topics that every message before it
/// was sent to (`routes`): a new owner running rules on a topic missing there sends the
/// partition's history to it first, as a reload that adds the topic does.
///
///     vigil-restore/1 replay-from=<offset>[ snapshot=<snapshot partition>:<first offset>-<last offset>@<position>][ routes=<topic>,…]
struct RestorePoint: Equatable {
    static let prefix = "vigil-restore/1 replay-from="
    private static let snapshotField = "snapshot="
    private static let routesField = "routes="

    let replayFrom: Int64
    let snapshot: SnapshotReference?
    /// The repartition topics holding every message of the partition before the commit; nil on
    /// a repartition topic, and in commits of Vigil versions that did not record them.
    let routes: [String]?

    var metadata: String {
        Self.prefix + String(replayFrom) + (snapshot.map { " " + Self.snapshotField + $0.text } ?? "")
            + (routes.map { " " + Self.routesField + $0.joined(separator: ",") } ?? "")
    }

    /// Nil for offsets committed by something else (or by an older format): then Vigil cannot
    /// tell how far back state reaches and replays what the topic still holds. A snapshot field
    /// that does not parse is dropped, and the partition is replayed.
    init?(metadata: String?) {
        guard let metadata, metadata.hasPrefix(Self.prefix) else { return nil }
        let fields = metadata.dropFirst(Self.prefix.count).split(separator: " ")
        guard let first = fields.first, let offset = Int64(first), offset >= 0 else { return nil }
        replayFrom = offset
        snapshot = fields.dropFirst().first { $0.hasPrefix(Self.snapshotField) }
            .flatMap { SnapshotReference(text: $0.dropFirst(Self.snapshotField.count)) }
        routes = fields.dropFirst().first { $0.hasPrefix(Self.routesField) }
            .map { $0.dropFirst(Self.routesField.count).split(separator: ",").map(String.init) }
    }

    init(replayFrom: Int64, snapshot: SnapshotReference? = nil, routes: [String]? = nil) {
        self.replayFrom = replayFrom
        self.snapshot = snapshot
        self.routes = routes
    }

    /// The snapshot worth loading for a partition committed at `committed`: one that leaves less
    /// to replay than the replay point would, and holds nothing the commit does not cover.
    func snapshot(usableAt committed: Int64) -> SnapshotReference? {
        snapshot.flatMap { $0.position >= replayFrom && $0.position <= committed ? $0 : nil }
    }
}

/// Where a partition's snapshot lies on the snapshot topic, and the position it holds the state at.
struct SnapshotReference: Equatable {
    /// The snapshot topic's partition; its chunks lie between the two offsets, inclusive, among
    /// chunks of other partitions' snapshots.
    let partition: Int32
    let firstOffset: Int64
    let lastOffset: Int64
    /// The offset of the snapshotted partition before which every message is in the state.
    let position: Int64

    init(partition: Int32, firstOffset: Int64, lastOffset: Int64, position: Int64) {
        self.partition = partition
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.position = position
    }

    var text: String { "\(partition):\(firstOffset)-\(lastOffset)@\(position)" }

    init?(text: Substring) {
        let parts = text.split(separator: "@")
        guard parts.count == 2, let position = Int64(parts[1]), position >= 0 else { return nil }
        let place = parts[0].split(separator: ":")
        guard place.count == 2, let partition = Int32(place[0]), partition >= 0 else { return nil }
        let range = place[1].split(separator: "-")
        guard range.count == 2, let first = Int64(range[0]), let last = Int64(range[1]), first >= 0, last >= first else { return nil }
        self.init(partition: partition, firstOffset: first, lastOffset: last, position: position)
    }
}

/// Tracks, for one partition, the oldest offset whose message can still matter to future alerts.
///
/// Checkpoints pair an offset with the engine's watermark once every message before that offset
/// was processed. Watermarks only grow, so once a checkpoint's watermark falls a full memory
/// (longest window or cooldown) behind the current one, every message before it is beyond reach.
/// Checkpoints are thinned when there are too many, which only moves the replay start earlier.
struct ReplayAnchors {
    private var checkpoints: [(offset: Int64, watermark: Int64)] = []
    private var head = 0
    /// The offset a restore must start from, as known so far.
    private(set) var replayFrom: Int64
    private var messagesSinceCheckpoint = 0
    private let interval: Int
    private let capacity: Int

    init(replayFrom: Int64, interval: Int = 1_000, capacity: Int = 4_096) {
        self.replayFrom = replayFrom
        self.interval = interval
        self.capacity = capacity
    }

    /// Records that every message before `nextOffset` has been processed and the engine's
    /// watermark is now `watermark`.
    mutating func processed(upTo nextOffset: Int64, watermark: Int64) {
        messagesSinceCheckpoint += 1
        guard messagesSinceCheckpoint >= interval else { return }
        messagesSinceCheckpoint = 0
        if checkpoints.count - head >= capacity { thin() }
        checkpoints.append((nextOffset, watermark))
    }

    /// Moves `replayFrom` past every checkpoint whose watermark is at least `memory` behind
    /// `watermark`; `memory` must cover the longest window or cooldown plus the allowed lateness.
    mutating func advance(watermark: Int64, memory: Int64) -> Int64 {
        guard watermark != .min else { return replayFrom }
        let horizon = watermark - memory
        // A checkpoint taken before any event counted (watermark `.min`) is always behind.
        while head < checkpoints.count, checkpoints[head].watermark <= horizon {
            replayFrom = max(replayFrom, checkpoints[head].offset)
            head += 1
        }
        if head > 1024, head * 2 > checkpoints.count {
            checkpoints.removeFirst(head)
            head = 0
        }
        return replayFrom
    }

    /// The newest offset from which the history reaches `memory` behind `watermark`: the last
    /// checkpoint at least that far behind, or the replay start when none is (a memory longer
    /// than the one the checkpoints were kept for cannot be reached further back).
    func start(reaching memory: Int64, from watermark: Int64) -> Int64 {
        guard watermark != .min else { return replayFrom }
        let horizon = watermark - memory
        var start = replayFrom
        for checkpoint in checkpoints[head...] {
            guard checkpoint.watermark <= horizon else { break }
            start = max(start, checkpoint.offset)
        }
        return start
    }

    /// Keeps every other checkpoint, the oldest included, so those left still span the history.
    private mutating func thin() {
        let live = checkpoints[head...]
        checkpoints = live.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        head = 0
    }
}
