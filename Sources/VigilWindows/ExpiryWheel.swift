/// Lanes grouped by when their oldest entry expires, so advancing the watermark visits only lanes
/// with something to drop instead of scanning every key.
///
/// Expiry times are grouped into slots of 1/64 of the window width; a slot is handed out once the
/// watermark has passed all of it, so an entry outlives its expiry by at most one slot.
struct ExpiryWheel {
    let slotWidth: Int64
    private var lanesBySlot: [Int64: [Int]] = [:]
    /// Min-heap of the slots in `lanesBySlot`.
    private var pendingSlots: [Int64] = []

    init(windowWidth: Int64) {
        slotWidth = max(1, windowWidth / 64)
    }

    func slot(forExpiry expiry: Int64) -> Int64 {
        expiry.flooredDivision(by: slotWidth)
    }

    mutating func register(lane: Int, slot: Int64) {
        if lanesBySlot[slot]?.append(lane) == nil {
            lanesBySlot[slot] = [lane]
            push(slot)
        }
    }

    /// Removes and returns the earliest slot that lies wholly at or before `watermark`, with its lanes.
    mutating func takeExpired(at watermark: Int64) -> (slot: Int64, lanes: [Int])? {
        let lastComplete = watermark.clampedAdding(1).flooredDivision(by: slotWidth) - 1
        guard let first = pendingSlots.first, first <= lastComplete else { return nil }
        popFirst()
        return (first, lanesBySlot.removeValue(forKey: first) ?? [])
    }

    var heapBytes: Int {
        var bytes = HeapAccounting.dictionaryBytes(capacity: lanesBySlot.capacity, elementStride: 16)
        bytes += pendingSlots.capacity * 8
        for lanes in lanesBySlot.values { bytes += HeapAccounting.bufferOverhead + lanes.capacity * 8 }
        return bytes
    }

    private mutating func push(_ slot: Int64) {
        pendingSlots.append(slot)
        var child = pendingSlots.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard pendingSlots[child] < pendingSlots[parent] else { return }
            pendingSlots.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popFirst() {
        let last = pendingSlots.removeLast()
        guard !pendingSlots.isEmpty else { return }
        pendingSlots[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < pendingSlots.count, pendingSlots[left] < pendingSlots[smallest] { smallest = left }
            if right < pendingSlots.count, pendingSlots[right] < pendingSlots[smallest] { smallest = right }
            guard smallest != parent else { return }
            pendingSlots.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
