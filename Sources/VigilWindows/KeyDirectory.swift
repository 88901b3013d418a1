/// The keys of one or more stores keyed by the same fields, each mapped to a lane index that all
/// of those stores use for it.
///
/// Stores keyed by the same fields (a count and a distinct count by card) share one directory, so
/// an event looks its key up once however many stores record it, and each key's text is held once.
/// A key stays while any store holds an entry for it: stores ``hold(_:)`` a lane when their lane
/// of it gains its first entry and ``release(_:)`` it when they evict it.
///
/// An open-addressing table with linear probing, at most half full, whose buckets hold a lane and
/// the upper half of the key's hash mixed with a seed of the directory: one word per key, and a
/// lookup that reads the key's text only when 32 bits of hash already match. Keys come from input,
/// so a sender must not be able to choose keys that pile up in one run of buckets: the key's hash
/// is keyed with a random seed of the process (see ``WindowKey``) and mixed with one of the
/// directory, and should an insertion still probe further than ``probeLimit``, the directory draws
/// a new seed and places every key again (the limit then doubles, so the cost stays amortised).
/// Lanes never move, so the stores' lanes stay valid when the buckets are rebuilt.
/// Owned by one task: not `Sendable`.
package final class KeyDirectory {
    private static let initialBuckets = 16

    // Owned by one task and never lent out; the runtime exclusivity checks would cost more than
    // the probes they guard.
    @exclusivity(unchecked) private var buckets: [UInt64]
    /// Per lane, its key and how many stores hold an entry for it, side by side: dropping a key
    /// that no store recorded reads the count right after the lookup read the key, from the
    /// same cache line (as separate arrays they cost an extra miss per key group and event).
    @exclusivity(unchecked) private var entries: [Entry] = []
    @exclusivity(unchecked) private var vacantLanes: [Int] = []
    @exclusivity(unchecked) private var seed: UInt64
    @exclusivity(unchecked) private var probeLimit = 64
    @exclusivity(unchecked) private var keyBytes = 0
    /// Keys present.
    @exclusivity(unchecked) package private(set) var count = 0
    /// Stores that use the directory, so that each reports its share of the directory's memory.
    @exclusivity(unchecked) var sharers = 0

    package init() {
        buckets = Array(repeating: 0, count: Self.initialBuckets)
        seed = Self.randomSeed()
    }

    /// Makes room for `keyCount` keys in all, so that adding them, as a restore does, never
    /// rebuilds the buckets on the way.
    func reserveCapacity(_ keyCount: Int) {
        entries.reserveCapacity(keyCount)
        var bucketCount = buckets.count
        while bucketCount < keyCount * 2 { bucketCount *= 2 }
        if bucketCount > buckets.count { rebuild(bucketCount: bucketCount) }
    }

    /// One past the highest lane handed out: a store's lanes must cover this many.
    var laneCount: Int { entries.count }

    /// The lane of `key`, or `nil` when no store holds it.
    package func lane(of key: WindowKey) -> Int? {
        probe(for: key).lane
    }

    /// The lane of `key`, added without holders when new.
    ///
    /// A new key must gain a holder before the caller's next call, or be dropped by
    /// ``forgetIfUnheld(_:)``: unheld keys are never removed otherwise.
    package func lane(for key: WindowKey) -> Int {
        let (found, distance) = probe(for: key)
        if let found { return found }
        let lane = vacantLanes.popLast() ?? appendLane()
        entries[lane].key = key
        keyBytes += HeapAccounting.bytes(of: key.text)
        count += 1
        if count * 2 > buckets.count {
            rebuild(bucketCount: buckets.count * 2)
        } else if distance > probeLimit {
            seed = Self.randomSeed()
            probeLimit *= 2
            rebuild(bucketCount: buckets.count)
        }
        place(lane)
        return lane
    }

    func key(ofLane lane: Int) -> WindowKey { entries[lane].key }

    /// Requests the line of the key's home bucket, ahead of a lookup.
    package func prefetchBucket(of key: WindowKey) {
        buckets.prefetchElement(at: home(of: tag(of: key)))
    }

    /// Requests the line of the lane's key entry, ahead of releasing it (see ``prefetchBucket(ofLane:)``).
    func prefetchEntry(ofLane lane: Int) {
        entries.prefetchElement(at: lane)
    }

    /// Requests the home bucket of the lane's key, which removing the key probes from; reads the
    /// key entry, so that should have been requested a while before.
    func prefetchBucket(ofLane lane: Int) {
        guard lane >= 0, lane < entries.count else { return }
        buckets.prefetchElement(at: home(of: tag(of: entries[lane].key)))
    }

    /// The lane the key most likely has, with its entry requested: a guess from the first buckets
    /// of its run (requested earlier by ``prefetchBucket(of:)``), for requesting the lane's state
    /// ahead of ``lane(for:)``. Reads no key text and changes nothing.
    package func likelyLane(of key: WindowKey) -> Int? {
        let tag = self.tag(of: key)
        var bucket = home(of: tag)
        for _ in 0..<2 {
            let word = buckets[bucket]
            if word == 0 { return nil }
            if word >> 32 == tag {
                let lane = Self.lane(in: word)
                entries.prefetchElement(at: lane)
                return lane
            }
            bucket = (bucket + 1) & (buckets.count - 1)
        }
        return nil
    }

    /// Notes that one more store holds an entry for the lane's key.
    func hold(_ lane: Int) {
        entries[lane].holders += 1
    }

    /// Notes that a store no longer holds the lane's key, and removes the key when none does.
    func release(_ lane: Int) {
        entries[lane].holders -= 1
        forgetIfUnheld(lane)
    }

    /// Removes the lane's key if no store holds it, as after an event that no store recorded.
    package func forgetIfUnheld(_ lane: Int) {
        guard entries[lane].holders == 0 else { return }
        removeBucket(of: lane)
        keyBytes -= HeapAccounting.bytes(of: entries[lane].key.text)
        entries[lane].key = .vacant
        vacantLanes.append(lane)
        count -= 1
    }

    /// Heap bytes of the buckets, the keys and their texts.
    var estimatedBytes: Int {
        buckets.capacity * 8 + entries.capacity * MemoryLayout<Entry>.stride + vacantLanes.capacity * 8
            + 3 * HeapAccounting.bufferOverhead + keyBytes
    }

    // MARK: - Buckets

    /// The upper 32 bits of the key's hash mixed with the directory's seed. A bucket holds it above
    /// its lane plus one, so an empty bucket, and only an empty one, is zero.
    private func tag(of key: WindowKey) -> UInt64 {
        UInt64(bitPattern: Int64(HashMixing.finalize(key.hash ^ seed))) >> 32
    }

    /// Walks the key's run of buckets from its home: the key's lane if present, and how many
    /// buckets the walk passed before it found the key or an empty bucket.
    @inline(__always)
    private func probe(for key: WindowKey) -> (lane: Int?, distance: Int) {
        let tag = self.tag(of: key)
        var bucket = home(of: tag)
        var distance = 0
        while true {
            let word = buckets[bucket]
            if word == 0 { return (nil, distance) }
            if word >> 32 == tag, entries[Self.lane(in: word)].key == key { return (Self.lane(in: word), distance) }
            bucket = (bucket + 1) & (buckets.count - 1)
            distance += 1
        }
    }

    private func home(of tag: UInt64) -> Int {
        Int(truncatingIfNeeded: tag) & (buckets.count - 1)
    }

    private static func lane(in word: UInt64) -> Int {
        Int(truncatingIfNeeded: word & 0xFFFF_FFFF) - 1
    }

    private func appendLane() -> Int {
        entries.append(Entry(key: .vacant, holders: 0))
        return entries.count - 1
    }

    /// Puts the lane's key into the first empty bucket from its home on.
    private func place(_ lane: Int) {
        let tag = self.tag(of: entries[lane].key)
        var bucket = home(of: tag)
        while buckets[bucket] != 0 { bucket = (bucket + 1) & (buckets.count - 1) }
        buckets[bucket] = tag << 32 | UInt64(lane + 1)
    }

    /// Places the keys already in buckets again, into `bucketCount` buckets under the current seed.
    private func rebuild(bucketCount: Int) {
        let previous = buckets
        buckets = Array(repeating: 0, count: bucketCount)
        for word in previous where word != 0 { place(Self.lane(in: word)) }
    }

    /// Empties the lane's bucket and moves later keys of its run back, so no lookup stops early.
    private func removeBucket(of lane: Int) {
        let mask = buckets.count - 1
        var hole = home(of: tag(of: entries[lane].key))
        while Self.lane(in: buckets[hole]) != lane { hole = (hole + 1) & mask }
        var next = (hole + 1) & mask
        while buckets[next] != 0 {
            let home = home(of: buckets[next] >> 32)
            if (next - home) & mask >= (next - hole) & mask {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        buckets[hole] = 0
    }

    fileprivate struct Entry {
        var key: WindowKey
        var holders: UInt32
    }

    /// The keys by lane as they are now, for a snapshot written later, maybe on another thread.
    /// Copy-on-write: the directory's next new key copies its list, not this.
    var frozenKeys: FrozenKeys { FrozenKeys(entries: entries) }

    /// The keys of a directory by lane, at one moment (see ``frozenKeys``).
    struct FrozenKeys: Sendable {
        fileprivate let entries: [Entry]

        func key(ofLane lane: Int) -> WindowKey { entries[lane].key }
    }

    private static func randomSeed() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }
}
