import VigilValues

/// An observed value, by its interned identifier.
struct DistinctEntry: TimedEntry {
    var time: Int64
    var valueID: UInt32
}

/// The distinct values of one store, each held once however many keys and entries refer to it.
struct InternedValues {
    fileprivate struct Slot {
        var value: HashedValue?
        var references: UInt32
    }

    fileprivate var ids: [HashedValue: UInt32] = [:]
    fileprivate var slots: [Slot] = []
    fileprivate var freeIDs: [UInt32] = []
    /// Occurrences in the running window per (lane, value) of the lanes whose running window is
    /// long (see ``DistinctRunning``): the pair is present while it counts.
    fileprivate var occurrences: [LaneValue: UInt32] = [:]
    fileprivate var stringBytes = 0

    fileprivate mutating func intern(_ value: HashedValue) -> UInt32? {
        if let id = ids[value] {
            slots[Int(id)].references += 1
            return id
        }
        let id: UInt32
        if let reused = freeIDs.popLast() {
            id = reused
            slots[Int(id)] = Slot(value: value, references: 1)
        } else {
            guard let fresh = UInt32(exactly: slots.count) else { return nil }
            id = fresh
            slots.append(Slot(value: value, references: 1))
        }
        ids[value] = id
        stringBytes += Self.heapBytes(of: value.value)
        return id
    }

    fileprivate mutating func release(_ id: UInt32) {
        let index = Int(id)
        slots[index].references -= 1
        guard slots[index].references == 0, let value = slots[index].value else { return }
        ids[value] = nil
        slots[index].value = nil
        freeIDs.append(id)
        stringBytes -= Self.heapBytes(of: value.value)
    }

    fileprivate func occurrenceCount(lane: Int, id: UInt32) -> UInt32 {
        occurrences[Self.pair(lane: lane, id: id)] ?? 0
    }

    /// Counts one more occurrence of the value in the lane's running window; true when it is new there.
    fileprivate mutating func enter(lane: Int, id: UInt32) -> Bool {
        Self.countOneMore(&occurrences[Self.pair(lane: lane, id: id), default: 0])
    }

    /// Counts one occurrence less; true when the value no longer occurs in the lane's running window.
    fileprivate mutating func exit(lane: Int, id: UInt32) -> Bool {
        guard let slot = occurrences.index(forKey: Self.pair(lane: lane, id: id)) else { return true }
        guard occurrences.values[slot] == 1 else {
            occurrences.values[slot] -= 1
            return false
        }
        occurrences.remove(at: slot)
        return true
    }

    /// Drops the (lane, value) pair's count, whatever it is, as a lane stops counting its values here.
    fileprivate mutating func forget(lane: Int, id: UInt32) {
        occurrences.removeValue(forKey: Self.pair(lane: lane, id: id))
    }

    /// One hash per join: the count is found once and changed in place.
    private static func countOneMore(_ count: inout UInt32) -> Bool {
        count += 1
        return count == 1
    }

    fileprivate var heapBytes: Int {
        HeapAccounting.dictionaryBytes(capacity: ids.capacity, elementStride: MemoryLayout<HashedValue>.stride + 4)
            + HeapAccounting.dictionaryBytes(capacity: occurrences.capacity, elementStride: 12)
            + slots.capacity * MemoryLayout<Slot>.stride + freeIDs.capacity * 4 + stringBytes
    }

    private static func pair(lane: Int, id: UInt32) -> LaneValue {
        LaneValue(bits: UInt64(truncatingIfNeeded: lane) << 32 | UInt64(id))
    }

    private static func heapBytes(of value: Value) -> Int {
        guard case .string(let string) = value else { return 0 }
        return HeapAccounting.bytes(of: string)
    }
}

/// A distinct value with its keyed hash, computed once per observation.
///
/// Interning looks a value up and, on first sight, inserts it; releasing its last entry removes it.
/// `Hasher` would run over the value's text each time, ``KeyedHash`` runs once, with the same
/// resistance to chosen collisions.
struct HashedValue: Hashable {
    let value: Value
    private let hash: Int

    init(_ value: Value) {
        self.value = value
        switch value {
        case .string(let text): hash = KeyedHash.hash(text)
        case .number(let number): hash = withUnsafeBytes(of: number.units) { KeyedHash.hash($0) }
        case .bool(let bool): hash = bool ? 1 : 0
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.hash == rhs.hash && lhs.value == rhs.value
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    /// The stored hash mixed with the table's seed, as ``WindowKey`` does.
    func _rawHashValue(seed: Int) -> Int {
        HashMixing.finalize(UInt64(bitPattern: Int64(hash ^ seed)))
    }
}

/// A (lane, value identifier) pair in one word.
///
/// Both halves are numbers the store hands out in order, never text from an event, so a sender
/// cannot pick colliding pairs: a cheap mix replaces SipHash, which cost a hash per join and leave.
struct LaneValue: Hashable {
    let bits: UInt64

    func hash(into hasher: inout Hasher) {
        hasher.combine(bits)
    }

    func _rawHashValue(seed: Int) -> Int {
        HashMixing.finalize(bits ^ UInt64(bitPattern: Int64(seed)))
    }
}

/// The values already kept by a compaction, which walks from the latest entry backwards.
///
/// A short prefix is searched where it lies, among the entries kept so far; only a long one
/// pays for a set, so that compacting the usual lane of a few entries allocates nothing.
private struct LaterValues {
    private static let scanLimit = 16
    private var set: Set<UInt32>?

    init(capacity: Int) {
        set = capacity > Self.scanLimit ? Set(minimumCapacity: capacity) : nil
    }

    /// Whether `id` is new; `kept` holds the entries kept so far, all of them up to the watermark.
    mutating func insert(_ id: UInt32, among kept: Range<Int>, of ring: TimeRing<DistinctEntry>) -> Bool {
        guard set == nil else { return set?.insert(id).inserted ?? true }
        for position in kept where ring[position].valueID == id {
            return false
        }
        return true
    }
}

/// A lane's distinct count of its running window, and how it knows whether a value is new there.
///
/// A short running window is searched where it lies, in the lane's own entries, which the event
/// has just read; only a long one keeps a count per value in the store's table of occurrences, a
/// random read of memory per join and per leave. A lane starts counting there when its running
/// window outgrows ``DistinctPolicy/countingFrom`` entries and stops when it is back to
/// ``DistinctPolicy/scanningFrom``, so a window that wobbles around one size does not switch on
/// every event.
struct DistinctRunning {
    var distinct: Int32 = 0
    var isCounted = false
}

/// Distinct count over a sliding window.
///
/// Each occurrence costs one 16-byte entry (its time and an interned value identifier); the value
/// itself is stored once per store. Once the watermark has passed a key's entries, only the latest
/// entry of each value stays (see ``compact(_:through:laneIndex:shared:)``), so a distinct count
/// does not keep more than exact answers need. The running count changes when a value's
/// occurrences in the running window move between zero and one (see ``DistinctRunning``).
enum DistinctPolicy: WindowPolicy {
    /// Running windows longer than this count their values' occurrences in the store's table.
    static let countingFrom = 16
    /// Counted running windows this short go back to searching their entries.
    static let scanningFrom = 8

    static var idle: DistinctRunning { DistinctRunning() }

    static func makeShared() -> InternedValues { InternedValues() }

    static func makeEntry(time: Int64, value: Value?, shared: inout InternedValues) -> DistinctEntry? {
        guard let value, let id = shared.intern(HashedValue(value)) else { return nil }
        return DistinctEntry(time: time, valueID: id)
    }

    static func join(_ lane: inout Lane<Self>, at position: Int, laneIndex: Int, shared: inout InternedValues) {
        let id = lane.ring[position].valueID
        if lane.running.isCounted {
            if shared.enter(lane: laneIndex, id: id) { lane.running.distinct += 1 }
            return
        }
        let running = lane.windowStart..<lane.ring.count
        if occurrences(of: id, in: lane, at: running, skipping: position) == 0 { lane.running.distinct += 1 }
        if running.count > countingFrom {
            for position in running { _ = shared.enter(lane: laneIndex, id: lane.ring[position].valueID) }
            lane.running.isCounted = true
        }
    }

    /// The leaving entries lie just before `windowStart`, which the table has already moved past them.
    static func leave(
        _ lane: inout Lane<Self>, _ leaving: Range<Int>, laneIndex: Int, shared: inout InternedValues
    ) {
        let running = lane.windowStart..<lane.ring.count
        guard lane.running.isCounted else {
            for position in leaving {
                let id = lane.ring[position].valueID
                // A value that leaves twice is accounted for by its last leaving entry.
                guard occurrences(of: id, in: lane, at: position + 1..<leaving.upperBound) == 0 else { continue }
                if occurrences(of: id, in: lane, at: running) == 0 { lane.running.distinct -= 1 }
            }
            return
        }
        for position in leaving where shared.exit(lane: laneIndex, id: lane.ring[position].valueID) {
            lane.running.distinct -= 1
        }
        if running.count <= scanningFrom {
            for position in running { shared.forget(lane: laneIndex, id: lane.ring[position].valueID) }
            lane.running.isCounted = false
        }
    }

    /// How many of the entries at `positions`, other than the one at `skipped`, hold the value.
    private static func occurrences(of id: UInt32, in lane: Lane<Self>, at positions: Range<Int>, skipping skipped: Int = -1) -> Int {
        var found = 0
        for position in positions where position != skipped && lane.ring[position].valueID == id { found += 1 }
        return found
    }

    static func release(_ entry: DistinctEntry, shared: inout InternedValues) {
        shared.release(entry.valueID)
    }

    /// Keeps only the latest of the entries of each value at or before `watermark`.
    ///
    /// Queries come at the watermark or later, so an entry at or before it counts its value in
    /// exactly the windows that a later entry at or before it also counts it in: of those, the
    /// latest per value is all a distinct count must keep. Entries after the watermark stay, each
    /// one: a late event between two of them is counted against the earlier one alone. A dropped
    /// entry never changes the running count, since the entry that replaces it is later.
    static func compact(
        _ lane: inout Lane<Self>, through watermark: Int64, laneIndex: Int, shared: inout InternedValues
    ) -> Int {
        let end = lane.ring.firstPosition(after: watermark)
        guard end > 1 else { return 0 }
        var later = LaterValues(capacity: end)
        var write = end
        var droppedBeforeStart = 0
        for read in stride(from: end - 1, through: 0, by: -1) {
            let entry = lane.ring[read]
            guard later.insert(entry.valueID, among: write..<end, of: lane.ring) else {
                if read < lane.windowStart {
                    droppedBeforeStart += 1
                } else if lane.running.isCounted {
                    _ = shared.exit(lane: laneIndex, id: entry.valueID)
                }
                shared.release(entry.valueID)
                continue
            }
            write -= 1
            lane.ring[write] = entry
        }
        lane.ring.removeFirst(write)
        lane.windowStart -= droppedBeforeStart
        return write
    }

    static func result(of lane: Lane<Self>, function: WindowFunction, shared: InternedValues) -> Value? {
        ExactDecimal(Int64(lane.running.distinct)).map(Value.number)
    }

    static func result(
        of lane: Lane<Self>, laneIndex: Int, positions: Range<Int>, function: WindowFunction, shared: InternedValues
    ) -> Value? {
        guard let difference = lane.difference(to: positions) else {
            var seen = Set<UInt32>()
            for position in positions { seen.insert(lane.ring[position].valueID) }
            return ExactDecimal(Int64(seen.count)).map(Value.number)
        }
        var change: [UInt32: Int] = [:]
        for position in difference.joining { change[lane.ring[position].valueID, default: 0] += 1 }
        for position in difference.leaving { change[lane.ring[position].valueID, default: 0] -= 1 }
        var distinct = Int(lane.running.distinct)
        for (id, delta) in change where delta != 0 {
            let before = lane.running.isCounted
                ? Int(shared.occurrenceCount(lane: laneIndex, id: id))
                : occurrences(of: id, in: lane, at: lane.windowStart..<lane.ring.count)
            if before == 0 { distinct += 1 } else if before + delta == 0 { distinct -= 1 }
        }
        return ExactDecimal(Int64(distinct)).map(Value.number)
    }

    static func value(of entry: DistinctEntry, shared: InternedValues) -> Value? {
        shared.slots[Int(entry.valueID)].value?.value
    }

    static func heapBytes(of shared: InternedValues) -> Int { shared.heapBytes }
}
