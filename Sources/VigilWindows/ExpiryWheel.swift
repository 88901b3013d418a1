import VigilValues

/// Lanes grouped by when their oldest entry expires, so advancing the watermark visits only lanes
/// with something to drop instead of scanning every key.
///
/// Expiry times are grouped into slots of 1/64 of the window width; a slot is handed out once the
/// watermark has passed all of it, so an entry outlives its expiry by at most one slot. The next
/// ``nearSlots`` slots live in a fixed ring of buckets, which makes a registration one array
/// append; only slots outside that reach (far-future timestamps, or records a caller makes behind
/// the slots already handed out) fall back to a dictionary and a min-heap.
struct ExpiryWheel {
    /// Covers the window (64 slots) plus an allowed lateness of up to 15 window widths.
    static let nearSlots = 1_024

    let slotWidth: Int64
    /// Bucket `slot & (nearSlots − 1)` holds the lanes of `slot` for `nextSlot ≤ slot < nextSlot + nearSlots`.
    private var near: [[Int]]
    /// The first slot not handed out yet; `nil` until the first registration.
    private var nextSlot: Int64?
    private var lanesBySlot: [Int64: [Int]] = [:]
    /// Min-heap of the slots in `lanesBySlot`.
    private var pendingSlots: [Int64] = []

    init(windowWidth: Int64) {
        slotWidth = max(1, windowWidth / 64)
        near = Array(repeating: [], count: Self.nearSlots)
    }

    func slot(forExpiry expiry: Int64) -> Int64 {
        expiry.flooredDivision(by: slotWidth)
    }

    mutating func register(lane: Int, slot: Int64) {
        let next = nextSlot ?? slot
        nextSlot = next
        if slot >= next, slot - next < Int64(Self.nearSlots) {
            near[Self.bucket(of: slot)].append(lane)
        } else if lanesBySlot[slot]?.append(lane) == nil {
            lanesBySlot[slot] = [lane]
            push(slot)
        }
    }

    /// Removes and returns the earliest slot that lies wholly at or before `watermark`, with its lanes.
    mutating func takeExpired(at watermark: Int64) -> (slot: Int64, lanes: [Int])? {
        let lastComplete = watermark.clampedAdding(1).flooredDivision(by: slotWidth) - 1
        if let first = pendingSlots.first, first <= lastComplete {
            popFirst()
            return (first, lanesBySlot.removeValue(forKey: first) ?? [])
        }
        guard let start = nextSlot, start <= lastComplete else { return nil }
        let end = min(lastComplete, start.clampedAdding(Int64(Self.nearSlots) - 1))
        var slot = start
        while slot <= end {
            let bucket = Self.bucket(of: slot)
            if !near[bucket].isEmpty {
                nextSlot = slot + 1
                var lanes: [Int] = []
                swap(&lanes, &near[bucket])
                return (slot, lanes)
            }
            slot += 1
        }
        nextSlot = lastComplete.clampedAdding(1)
        return nil
    }

    var heapBytes: Int {
        var bytes = HeapAccounting.dictionaryBytes(capacity: lanesBySlot.capacity, elementStride: 16)
        bytes += pendingSlots.capacity * 8 + HeapAccounting.bufferOverhead + near.capacity * 8
        for lanes in lanesBySlot.values { bytes += HeapAccounting.bufferOverhead + lanes.capacity * 8 }
        for lanes in near where lanes.capacity > 0 { bytes += HeapAccounting.bufferOverhead + lanes.capacity * 8 }
        return bytes
    }

    private static func bucket(of slot: Int64) -> Int {
        Int(truncatingIfNeeded: slot) & (nearSlots - 1)
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
