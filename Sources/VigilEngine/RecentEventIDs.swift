import VigilValues
import VigilWindows

/// The event ids an engine has counted within the last stretch of event time, so that a payment
/// delivered twice (an upstream producer that retried a send) is counted once.
///
/// Each id is held as its 128-bit fingerprint (``ContentHash/fingerprint(of:)``), 16 bytes
/// whatever its length: a 36-character UUID kept as a `String` costs a heap object of its own.
/// Two different ids share a fingerprint with a chance of about n² / 2¹²⁹ among n ids held (under
/// 10⁻²⁴ for 10 million), taking ids as the payment system assigns them, not as a payer could
/// choose them. Ids are forgotten in the order they arrived once their event time falls a whole
/// window behind the watermark; an id that arrived out of order may stay a little longer, never less.
struct RecentEventIDs: Sendable {
    /// Where an id was first counted.
    struct FirstSeen: Equatable, Sendable {
        let time: Int64
        let offset: Int64
    }

    /// A fingerprint as two 64-bit halves: aligned to 8 bytes, not 16 as `UInt128` is, so an
    /// arrival (fingerprint and time) takes 24 bytes, not 32.
    struct Fingerprint: Hashable, Sendable {
        let low: UInt64
        let high: UInt64

        /// The fingerprint of an event id (``ContentHash/fingerprint(of:)``).
        init(of id: String) {
            let value = ContentHash.fingerprint(of: id)
            low = UInt64(truncatingIfNeeded: value)
            high = UInt64(truncatingIfNeeded: value >> 64)
        }

        init(low: UInt64, high: UInt64) {
            self.low = low
            self.high = high
        }
    }

    let windowMilliseconds: Int64
    private var firstSeen: [Fingerprint: FirstSeen] = [:]
    /// Fingerprints in arrival order; those before `head` are forgotten.
    private var arrivals: [(fingerprint: Fingerprint, time: Int64)] = []
    private var head = 0

    init(windowMilliseconds: Int64) {
        self.windowMilliseconds = windowMilliseconds
    }

    /// Where `id` was first counted when it is a repeat; otherwise records it and returns nil.
    mutating func repeatOf(_ id: String, time: Int64, offset: Int64) -> FirstSeen? {
        repeatOf(fingerprint: Fingerprint(of: id), time: time, offset: offset)
    }

    private mutating func repeatOf(fingerprint: Fingerprint, time: Int64, offset: Int64) -> FirstSeen? {
        if let first = firstSeen[fingerprint] { return first }
        firstSeen[fingerprint] = FirstSeen(time: time, offset: offset)
        arrivals.append((fingerprint, time))
        return nil
    }

    /// Forgets the ids whose event time is a window or more behind `watermark`.
    mutating func forget(behind watermark: Int64) {
        let horizon = watermark.clampedSubtracting(windowMilliseconds)
        while head < arrivals.count, arrivals[head].time < horizon {
            firstSeen[arrivals[head].fingerprint] = nil
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
    /// Appends the ids held, in arrival order, as fingerprints (16 bytes, low half first, each
    /// little-endian) with where each was first counted; `ids` nil (deduplication off) writes none.
    static func write(_ ids: RecentEventIDs?, to writer: inout SnapshotWriter) {
        guard let ids else {
            writer.writeVarint(0)
            return
        }
        writer.writeVarint(UInt64(ids.arrivals.count - ids.head))
        for (fingerprint, time) in ids.arrivals[ids.head...] {
            let first = ids.firstSeen[fingerprint] ?? FirstSeen(time: time, offset: -1)
            withUnsafeBytes(of: fingerprint.low.littleEndian) { writer.bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: fingerprint.high.littleEndian) { writer.bytes.append(contentsOf: $0) }
            writer.writeSigned(first.time)
            writer.writeSigned(first.offset)
        }
    }

    /// The ids a snapshot wrote, kept for today's window (nil when deduplication is now off,
    /// whatever the snapshot held). Snapshots before version 4 hold the ids themselves.
    static func read(
        from reader: inout SnapshotReader, version: UInt8, windowMilliseconds: Int64?
    ) throws(WindowSnapshotError) -> RecentEventIDs? {
        var ids = windowMilliseconds.map(RecentEventIDs.init(windowMilliseconds:))
        for _ in 0..<(try reader.readCount()) {
            let fingerprint = version >= 4 ? try readFingerprint(from: &reader) : Fingerprint(of: try reader.readString())
            let time = try reader.readSigned()
            let offset = try reader.readSigned()
            _ = ids?.repeatOf(fingerprint: fingerprint, time: time, offset: offset)
        }
        return ids
    }

    private static func readFingerprint(from reader: inout SnapshotReader) throws(WindowSnapshotError) -> Fingerprint {
        func half(_ bytes: ArraySlice<UInt8>) -> UInt64 {
            bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        return Fingerprint(low: half(try reader.readBytes(8)), high: half(try reader.readBytes(8)))
    }
}
