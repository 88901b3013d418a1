import VigilValues
import VigilWindows

/// The event ids an engine has counted within the last stretch of event time, so that a payment
/// delivered twice (an upstream producer that retried a send) is counted once.
///
/// Ids are forgotten in the order they arrived once their event time falls a whole window behind
/// the watermark; an id that arrived out of order may stay a little longer, never less.
struct RecentEventIDs: Sendable {
    /// Where an id was first counted.
    struct FirstSeen: Equatable, Sendable {
        let time: Int64
        let offset: Int64
    }

    let windowMilliseconds: Int64
    private var firstSeen: [String: FirstSeen] = [:]
    /// Ids in arrival order; those before `head` are forgotten.
    private var arrivals: [(id: String, time: Int64)] = []
    private var head = 0

    init(windowMilliseconds: Int64) {
        self.windowMilliseconds = windowMilliseconds
    }

    /// Where `id` was first counted when it is a repeat; otherwise records it and returns nil.
    mutating func repeatOf(_ id: String, time: Int64, offset: Int64) -> FirstSeen? {
        if let first = firstSeen[id] { return first }
        firstSeen[id] = FirstSeen(time: time, offset: offset)
        arrivals.append((id, time))
        return nil
    }

    /// Forgets the ids whose event time is a window or more behind `watermark`.
    mutating func forget(behind watermark: Int64) {
        let horizon = watermark.clampedSubtracting(windowMilliseconds)
        while head < arrivals.count, arrivals[head].time < horizon {
            firstSeen[arrivals[head].id] = nil
            head += 1
        }
        // Drop the forgotten prefix once it is most of the array, so the array stays proportional to what is held.
        if head > 1024, head * 2 > arrivals.count {
            arrivals.removeFirst(head)
            head = 0
        }
    }
}

extension RecentEventIDs {
    /// Appends the ids held, in arrival order, with where each was first counted; `ids` nil
    /// (deduplication off) writes none.
    static func write(_ ids: RecentEventIDs?, to writer: inout SnapshotWriter) {
        guard let ids else {
            writer.writeVarint(0)
            return
        }
        writer.writeVarint(UInt64(ids.arrivals.count - ids.head))
        for (id, time) in ids.arrivals[ids.head...] {
            let first = ids.firstSeen[id] ?? FirstSeen(time: time, offset: -1)
            writer.writeString(id)
            writer.writeSigned(first.time)
            writer.writeSigned(first.offset)
        }
    }

    /// The ids a snapshot wrote, kept for today's window (nil when deduplication is now off,
    /// whatever the snapshot held).
    static func read(from reader: inout SnapshotReader, windowMilliseconds: Int64?) throws(WindowSnapshotError) -> RecentEventIDs? {
        var ids = windowMilliseconds.map(RecentEventIDs.init(windowMilliseconds:))
        for _ in 0..<(try reader.readCount()) {
            let id = try reader.readString()
            let time = try reader.readSigned()
            let offset = try reader.readSigned()
            _ = ids?.repeatOf(id, time: time, offset: offset)
        }
        return ids
    }
}
