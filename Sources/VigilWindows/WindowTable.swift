import VigilValues

/// All keys of one aggregator for one function, with their entries and running windows.
///
/// A key's lane is its index in the store's ``KeyDirectory``, which stores keyed by the same fields
/// share: lanes are one contiguous array indexed by it, and a lane whose ring is empty is vacant.
final class WindowTable<Policy: WindowPolicy> {
    let function: WindowFunction
    let width: Int64
    // A table belongs to one task and never calls out while mutating, so the runtime exclusivity
    // checks on these properties, which otherwise cost about a third of the hot path, are off.
    @exclusivity(unchecked) private(set) var watermark = Int64.min
    @exclusivity(unchecked) private(set) var retainedEntries = 0
    @exclusivity(unchecked) private(set) var activeKeys = 0
    @exclusivity(unchecked) private var directory: KeyDirectory
    @exclusivity(unchecked) private var lanes: [Lane<Policy>] = []
    @exclusivity(unchecked) private var shared: Policy.Shared
    @exclusivity(unchecked) private var expiry: ExpiryWheel
    @exclusivity(unchecked) private var ringSlots = 0
    @exclusivity(unchecked) private var allocatedRings = 0

    init(function: WindowFunction, width: Int64, directory: KeyDirectory) {
        self.function = function
        self.width = width
        self.directory = directory
        self.shared = Policy.makeShared()
        self.expiry = ExpiryWheel(windowWidth: width)
        directory.sharers += 1
    }

    /// Lets go of the keys the table holds, so that a store dropped by a reload does not keep them
    /// in a directory that other stores still use.
    deinit {
        directory.sharers -= 1
        guard directory.sharers > 0 else { return }
        for index in lanes.indices where !lanes[index].ring.isEmpty { directory.release(index) }
    }

    /// Switches to another store's directory; only a table that holds no key yet can.
    func share(_ other: KeyDirectory) -> Bool {
        guard other !== directory else { return true }
        guard activeKeys == 0 else { return false }
        directory.sharers -= 1
        directory = other
        other.sharers += 1
        return true
    }

    /// Records an observation in the lane the directory gave its key, then reads the window at its
    /// time as `reading` (the table's own function or one its entries also answer).
    func recordAndAggregate(lane index: Int, time: Int64, value: Value?, as reading: WindowFunction) -> Value? {
        guard let entry = Policy.makeEntry(time: time, value: value, shared: &shared) else {
            return aggregate(lane: index, at: time, as: reading)
        }
        record(entry, lane: index)
        return aggregate(of: &lanes[index], laneIndex: index, at: time, as: reading)
    }

    /// Records `count` keys of a snapshot (each key's observations in time order), as recording
    /// them one by one would, without reading an aggregate after each.
    func restore(_ count: Int, from reader: inout SnapshotReader, decoder: inout HistoryDecoder) throws(WindowSnapshotError) {
        lanes.reserveCapacity(count)
        directory.reserveCapacity(max(directory.count, count))
        for _ in 0..<count {
            try decoder.next(from: &reader)
            guard !decoder.times.isEmpty else { continue }
            let lane = directory.lane(for: WindowKey(decoder.key))
            guard lane >= lanes.count || lanes[lane].ring.isEmpty else { throw .malformed("duplicate key") }
            for index in decoder.times.indices {
                guard let entry = Policy.makeEntry(time: decoder.times[index], value: decoder.values[index], shared: &shared) else {
                    directory.forgetIfUnheld(lane)
                    throw .malformed("value does not suit \(function)")
                }
                record(entry, lane: lane)
            }
        }
    }

    /// The aggregate of the lane the directory gave a key; an empty window if this store holds none of it.
    func aggregate(lane index: Int, at time: Int64, as reading: WindowFunction) -> Value? {
        guard index < lanes.count, !lanes[index].ring.isEmpty else { return Self.emptyResult(of: reading) }
        return aggregate(of: &lanes[index], laneIndex: index, at: time, as: reading)
    }

    /// Requests the lane's line, ahead of an event for its key.
    func prefetchLane(_ index: Int) {
        lanes.prefetchElement(at: index)
    }

    /// Requests the lines of the lane's ring that an in-order event reads and writes; the lane's
    /// own line should have been requested first (``prefetchLane(_:)``), since this reads it.
    func prefetchRing(ofLane index: Int) {
        guard index < lanes.count else { return }
        Self.prefetchRing(of: &lanes[index])
    }

    private static func prefetchRing(of lane: inout Lane<Policy>) {
        lane.ring.prefetchForAppend(windowStart: lane.windowStart)
    }

    private static func prefetchOldest(of lane: inout Lane<Policy>) {
        lane.ring.prefetchOldest()
    }

    /// Requests, in two steps, what trimming lanes further down a sweep will read: their lanes and
    /// key entries first, then, once those have arrived, their oldest entries and key buckets.
    private func prefetchAhead(of position: Int, in lanesToTrim: [Int]) {
        let far = position + 12
        if far < lanesToTrim.count {
            lanes.prefetchElement(at: lanesToTrim[far])
            directory.prefetchEntry(ofLane: lanesToTrim[far])
        }
        let near = position + 6
        if near < lanesToTrim.count, lanesToTrim[near] < lanes.count {
            Self.prefetchOldest(of: &lanes[lanesToTrim[near]])
            directory.prefetchBucket(ofLane: lanesToTrim[near])
        }
    }

    func advance(watermark newWatermark: Int64) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        while let expired = expiry.takeExpired(at: watermark) {
            let lanesToTrim = expired.lanes
            for position in lanesToTrim.indices {
                prefetchAhead(of: position, in: lanesToTrim)
                let index = lanesToTrim[position]
                if expirySlot(of: index) == expired.slot { trim(index) }
            }
        }
    }

    var estimatedBytes: Int {
        var bytes = ringSlots * MemoryLayout<Policy.Entry>.stride + allocatedRings * HeapAccounting.bufferOverhead
        bytes += lanes.capacity * MemoryLayout<Lane<Policy>>.stride
        bytes += directory.estimatedBytes / max(directory.sharers, 1)
        return bytes + Policy.heapBytes(of: shared) + expiry.heapBytes
    }

    /// The table's windows as they are now, to be written out later (see ``FrozenWindowTable``).
    func frozen() -> FrozenWindowTable<Policy> {
        FrozenWindowTable(function: function, width: width, watermark: watermark, lanes: lanes, keys: directory.frozenKeys, shared: shared)
    }

    /// Every key with its observations in time order, sorted by key, without expired entries.
    func histories() -> [WindowSnapshot.KeyHistory] {
        frozen().histories()
    }

    private static func emptyResult(of function: WindowFunction) -> Value? {
        switch function {
        case .count, .sum, .distinctCount: .number(.zero)
        case .average, .minimum, .maximum: nil
        }
    }

    /// Reads the lane in place, through an `inout` access: a copy taken out of the array is made
    /// and destroyed through the generic lane's value witnesses, which cost more than the aggregate.
    private func aggregate(of lane: inout Lane<Policy>, laneIndex: Int, at time: Int64, as reading: WindowFunction) -> Value? {
        let horizon = time.clampedSubtracting(width)
        let runningIsExact = time >= lane.anchor && time >= (lane.ring.newestTime ?? .min)
            && (lane.windowStart == lane.ring.count || lane.ring[lane.windowStart].time > horizon)
        if runningIsExact {
            return Policy.result(of: lane, function: reading, shared: shared)
        }
        let positions = lane.ring.firstPosition(after: horizon)..<lane.ring.firstPosition(after: time)
        return Policy.result(of: lane, laneIndex: laneIndex, positions: positions, function: reading, shared: shared)
    }

    // MARK: - Lanes

    private func record(_ entry: Policy.Entry, lane index: Int) {
        if index >= lanes.count { addLanes(through: index) }
        if entry.time > lanes[index].anchor { slide(index, to: entry.time) }
        insert(entry, into: index)
    }

    /// Grows the lanes to cover every lane the directory has handed out, each in its initial state.
    private func addLanes(through index: Int) {
        let count = max(index + 1, directory.laneCount)
        while lanes.count < count { lanes.append(Lane()) }
    }

    /// Moves the running window of a lane forward so that it ends at `time`.
    private func slide(_ index: Int, to time: Int64) {
        let horizon = time.clampedSubtracting(width)
        let start = lanes[index].windowStart
        var end = start
        while end < lanes[index].ring.count, lanes[index].ring[end].time <= horizon { end += 1 }
        lanes[index].anchor = time
        guard end > start else { return }
        lanes[index].windowStart = end
        Policy.leave(&lanes[index], start..<end, laneIndex: index, shared: &shared)
    }

    private func insert(_ entry: Policy.Entry, into index: Int) {
        let capacityBefore = lanes[index].ring.capacity
        let previousOldest = lanes[index].ring.isEmpty ? nil : lanes[index].ring[0].time
        if previousOldest == nil {
            directory.hold(index)
            activeKeys += 1
        }
        let position = lanes[index].ring.insert(entry)
        accountRing(from: capacityBefore, to: lanes[index].ring.capacity)
        retainedEntries += 1
        if entry.time <= lanes[index].anchor.clampedSubtracting(width) {
            lanes[index].windowStart += 1
            lanes[index].split += 1
        } else {
            Policy.join(&lanes[index], at: position, laneIndex: index, shared: &shared)
        }
        if position == 0 { registerExpiry(of: index, previousOldest: previousOldest) }
    }

    /// Drops the lane's entries that no query can reach any more, and the lane itself once empty.
    private func trim(_ index: Int) {
        let horizon = watermark.clampedSubtracting(width)
        let cut = lanes[index].ring.firstPosition(after: horizon)
        // Dropped entries must already be out of the running window: a lane that has been idle
        // since before the watermark slides up to it first.
        if watermark > lanes[index].anchor { slide(index, to: watermark) }
        for position in 0..<cut { Policy.release(lanes[index].ring[position], shared: &shared) }
        let capacityBefore = lanes[index].ring.capacity
        lanes[index].ring.removeFirst(cut)
        lanes[index].windowStart -= cut
        lanes[index].split -= cut
        let merged = Policy.compact(&lanes[index], through: watermark, laneIndex: index, shared: &shared)
        accountRing(from: capacityBefore, to: lanes[index].ring.capacity)
        retainedEntries -= cut + merged
        if lanes[index].ring.isEmpty {
            evict(index)
        } else {
            registerExpiry(of: index)
        }
    }

    /// The slot in which the lane's oldest entry expires; `nil` for a vacant lane.
    private func expirySlot(of index: Int) -> Int64? {
        guard index < lanes.count, !lanes[index].ring.isEmpty else { return nil }
        return expiry.slot(forExpiry: lanes[index].ring[0].time.clampedAdding(width))
    }

    /// Registers the lane under its oldest entry's slot, unless `previousOldest` put it there already.
    ///
    /// A lane is only processed in the slot of its current oldest entry, so a registration left
    /// behind by an entry that is no longer the oldest is skipped when its slot comes.
    private func registerExpiry(of index: Int, previousOldest: Int64? = nil) {
        guard let slot = expirySlot(of: index) else { return }
        if let previousOldest, expiry.slot(forExpiry: previousOldest.clampedAdding(width)) == slot { return }
        expiry.register(lane: index, slot: slot)
    }

    private func evict(_ index: Int) {
        lanes[index].vacate()
        activeKeys -= 1
        directory.release(index)
    }

    private func accountRing(from before: Int, to after: Int) {
        ringSlots += after - before
        if before == 0, after > 0 { allocatedRings += 1 }
        if before > 0, after == 0 { allocatedRings -= 1 }
    }
}
