import VigilValues

/// An observed value, by its interned identifier.
struct DistinctEntry: TimedEntry {
    var time: Int64
    var valueID: UInt32
}

/// The distinct values of one store, each held once however many keys and entries refer to it.
struct InternedValues {
    fileprivate struct Slot {
        var value: Value?
        var references: UInt32
    }

    fileprivate var ids: [Value: UInt32] = [:]
    fileprivate var slots: [Slot] = []
    fileprivate var freeIDs: [UInt32] = []
    /// Occurrences in the running window per (lane, value): the pair is present while it counts.
    fileprivate var occurrences: [UInt64: UInt32] = [:]
    fileprivate var stringBytes = 0

    fileprivate mutating func intern(_ value: Value) -> UInt32? {
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
        stringBytes += Self.heapBytes(of: value)
        return id
    }

    fileprivate mutating func release(_ id: UInt32) {
        let index = Int(id)
        slots[index].references -= 1
        guard slots[index].references == 0, let value = slots[index].value else { return }
        ids[value] = nil
        slots[index].value = nil
        freeIDs.append(id)
        stringBytes -= Self.heapBytes(of: value)
    }

    fileprivate func occurrenceCount(lane: Int, id: UInt32) -> UInt32 {
        occurrences[Self.pair(lane: lane, id: id)] ?? 0
    }

    /// Counts one more occurrence of the value in the lane's running window; true when it is new there.
    fileprivate mutating func enter(lane: Int, id: UInt32) -> Bool {
        let key = Self.pair(lane: lane, id: id)
        let previous = occurrences[key, default: 0]
        occurrences[key] = previous + 1
        return previous == 0
    }

    /// Counts one occurrence less; true when the value no longer occurs in the lane's running window.
    fileprivate mutating func exit(lane: Int, id: UInt32) -> Bool {
        let key = Self.pair(lane: lane, id: id)
        let remaining = occurrences[key, default: 1] - 1
        occurrences[key] = remaining == 0 ? nil : remaining
        return remaining == 0
    }

    fileprivate var heapBytes: Int {
        HeapAccounting.dictionaryBytes(capacity: ids.capacity, elementStride: MemoryLayout<Value>.stride + 4)
            + HeapAccounting.dictionaryBytes(capacity: occurrences.capacity, elementStride: 12)
            + slots.capacity * MemoryLayout<Slot>.stride + freeIDs.capacity * 4 + stringBytes
    }

    private static func pair(lane: Int, id: UInt32) -> UInt64 {
        UInt64(truncatingIfNeeded: lane) << 32 | UInt64(id)
    }

    private static func heapBytes(of value: Value) -> Int {
        guard case .string(let string) = value else { return 0 }
        return HeapAccounting.bytes(of: string)
    }
}

/// Distinct count over a sliding window.
///
/// Each occurrence costs one 16-byte entry (its time and an interned value identifier); the value
/// itself is stored once per store. The running count changes when a (key, value) pair's count of
/// occurrences in the running window moves between zero and one.
enum DistinctPolicy: WindowPolicy {
    static var idle: Int { 0 }

    static func makeShared() -> InternedValues { InternedValues() }

    static func makeEntry(time: Int64, value: Value?, shared: inout InternedValues) -> DistinctEntry? {
        guard let value, let id = shared.intern(value) else { return nil }
        return DistinctEntry(time: time, valueID: id)
    }

    static func join(_ lane: inout Lane<Self>, at position: Int, laneIndex: Int, shared: inout InternedValues) {
        if shared.enter(lane: laneIndex, id: lane.ring[position].valueID) { lane.running += 1 }
    }

    static func leave(
        _ lane: inout Lane<Self>, _ leaving: Range<Int>, laneIndex: Int, shared: inout InternedValues
    ) {
        for position in leaving where shared.exit(lane: laneIndex, id: lane.ring[position].valueID) {
            lane.running -= 1
        }
    }

    static func release(_ entry: DistinctEntry, shared: inout InternedValues) {
        shared.release(entry.valueID)
    }

    static func result(of lane: Lane<Self>, function: WindowFunction, shared: InternedValues) -> Value? {
        ExactDecimal(Int64(lane.running)).map(Value.number)
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
        var distinct = lane.running
        for (id, delta) in change where delta != 0 {
            let before = Int(shared.occurrenceCount(lane: laneIndex, id: id))
            if before == 0 { distinct += 1 } else if before + delta == 0 { distinct -= 1 }
        }
        return ExactDecimal(Int64(distinct)).map(Value.number)
    }

    static func value(of entry: DistinctEntry, shared: InternedValues) -> Value? {
        shared.slots[Int(entry.valueID)].value
    }

    static func heapBytes(of shared: InternedValues) -> Int { shared.heapBytes }
}
