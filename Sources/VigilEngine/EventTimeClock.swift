import VigilValues
import VigilWindows

/// An engine's event time: how far each source partition has progressed, and the watermark that
/// follows from it.
///
/// An engine of an input partition sees one source. An engine of a repartition topic's partition
/// merges events from every input partition, each in its own order, and one of them may fall
/// behind the others, as when its replica stalls through a rebalance while the feed goes on.
/// Judging that partition's events against the newest time of the others would make them late
/// for no fault of theirs, so the watermark follows the source that is furthest behind (as Flink
/// takes the minimum over input channels), and lateness is measured from there.
///
/// A source that has sent nothing newer than ``maximumSkew`` behind the leading one holds the
/// watermark back no longer: a partition whose traffic stopped must not keep every window's
/// state forever. Its events, should they come, are judged against the watermark of the others.
/// Everything here follows from event times in arrival order, so a replay finds the same watermark.
struct EventTimeClock: Sendable {
    /// Sources whose partition number is outside `0..<maximumTrackedSources` share one slot.
    static let maximumTrackedSources = 4_096

    let allowedLateness: Int64
    let maximumSkew: Int64
    /// The newest event time per source partition; `.min` for a source not seen yet.
    private var newestBySource: [Int64] = []
    /// The newest event time of any source.
    private var leading = Int64.min
    /// The newest time of the source furthest behind among those within the skew, and that source.
    private var trailing = Int64.min
    private var trailingSource = -1
    private var knownSources = 0
    /// Never moves back: windows evict by it.
    private(set) var watermark = Int64.min

    init(allowedLateness: Int64, maximumSkew: Int64) {
        self.allowedLateness = allowedLateness
        self.maximumSkew = maximumSkew
    }

    /// Whether an event at `time` is older than the windows can still place.
    func isLate(_ time: Int64) -> Bool {
        time < watermark
    }

    /// Notes an event that was not late.
    mutating func advance(to time: Int64, source partition: Int32) {
        let source = Self.slot(of: partition)
        if source >= newestBySource.count {
            newestBySource.append(contentsOf: repeatElement(.min, count: source + 1 - newestBySource.count))
        }
        guard time > newestBySource[source] else { return }
        let isNewSource = newestBySource[source] == .min
        newestBySource[source] = time
        leading = max(leading, time)
        if isNewSource { knownSources += 1 }
        if knownSources == 1 {
            // An input partition's engine: its one source leads and trails.
            trailing = time
            trailingSource = source
        } else {
            let trailingFellOut = trailing < leading.clampedSubtracting(maximumSkew)
            guard source == trailingSource || isNewSource || trailingFellOut else { return }
            findTrailing()
        }
        watermark = max(watermark, trailing.clampedSubtracting(allowedLateness))
    }

    /// O(sources), run only when the trailing source moved, a source appeared or one fell out of
    /// the skew: with events arriving in runs per source, as repartition bundles bring them, that
    /// is about once per run.
    private mutating func findTrailing() {
        let oldestCounted = leading.clampedSubtracting(maximumSkew)
        trailing = leading
        trailingSource = -1
        for (source, newest) in newestBySource.enumerated() where newest >= oldestCounted && newest <= trailing {
            trailing = newest
            trailingSource = source
        }
    }

    private static func slot(of partition: Int32) -> Int {
        let slot = Int(partition)
        return slot >= 0 && slot < maximumTrackedSources - 1 ? slot : maximumTrackedSources - 1
    }
}

extension EventTimeClock {
    /// Appends what the clock cannot recompute: each source's newest time, and the watermark,
    /// which never moves back even when the source that set it later falls out of the skew.
    func write(to writer: inout SnapshotWriter) {
        writer.writeSigned(allowedLateness)
        writer.writeSigned(maximumSkew)
        writer.writeSigned(watermark)
        writer.writeVarint(UInt64(newestBySource.count))
        for time in newestBySource { writer.writeSigned(time) }
    }

    /// The clock a snapshot wrote; refused when it was kept under another lateness or skew, since
    /// its watermark would then differ from the one a replay under today's settings finds.
    init(from reader: inout SnapshotReader, allowedLateness: Int64, maximumSkew: Int64) throws(WindowSnapshotError) {
        self.init(allowedLateness: allowedLateness, maximumSkew: maximumSkew)
        guard try reader.readSigned() == allowedLateness, try reader.readSigned() == maximumSkew else {
            throw .malformed("taken with another allowed lateness or source skew")
        }
        let watermark = try reader.readSigned()
        let count = try reader.readCount()
        guard count <= Self.maximumTrackedSources else { throw .malformed("too many sources") }
        for _ in 0..<count { newestBySource.append(try reader.readSigned()) }
        let known = newestBySource.filter { $0 != .min }
        knownSources = known.count
        leading = known.max() ?? .min
        if knownSources == 1, let source = newestBySource.firstIndex(where: { $0 != .min }) {
            trailing = leading
            trailingSource = source
        } else if knownSources > 1 {
            findTrailing()
        }
        self.watermark = watermark
    }
}
