/// Where a partition's window state can be rebuilt from, kept as the metadata of its committed offset.
///
/// Vigil restores state by replaying the partition's own history: every message from
/// `replayFrom` up to the committed offset goes through the engine again with its outputs
/// discarded (they were delivered before the commit). Messages before `replayFrom` are older
/// than any window or cooldown can reach, so skipping them changes no future alert.
struct RestorePoint: Equatable {
    static let prefix = "vigil-restore/1 replay-from="

    let replayFrom: Int64

    var metadata: String { Self.prefix + String(replayFrom) }

    /// Nil for offsets committed by something else (or by an older format): then Vigil cannot
    /// tell how far back state reaches and replays what the topic still holds.
    init?(metadata: String?) {
        guard let metadata, metadata.hasPrefix(Self.prefix), let offset = Int64(metadata.dropFirst(Self.prefix.count)), offset >= 0 else {
            return nil
        }
        replayFrom = offset
    }

    init(replayFrom: Int64) {
        self.replayFrom = replayFrom
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

    /// Keeps every other checkpoint, the oldest included, so those left still span the history.
    private mutating func thin() {
        let live = checkpoints[head...]
        checkpoints = live.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        head = 0
    }
}
