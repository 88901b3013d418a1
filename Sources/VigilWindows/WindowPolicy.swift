import VigilValues

/// One aggregate function's entry layout and incremental bookkeeping.
///
/// The table owns keys, ordering and expiry; a policy only says how an entry joins and leaves the
/// running window of its key, which keeps the in-order hot path O(1) for every function.
protocol WindowPolicy: SendableMetatype {
    associatedtype Entry: TimedEntry & Sendable
    /// Per-key incremental state of the running window.
    associatedtype Running: Sendable
    /// State shared by all keys of one store, such as interned distinct values.
    associatedtype Shared: Sendable

    static var idle: Running { get }
    static func makeShared() -> Shared

    /// The entry for an observation, or `nil` when this function cannot use the value.
    static func makeEntry(time: Int64, value: Value?, shared: inout Shared) -> Entry?

    /// Accounts for the entry just inserted at `position`, inside the running window.
    static func join(_ lane: inout Lane<Self>, at position: Int, laneIndex: Int, shared: inout Shared)

    /// Accounts for `leaving`, the entries that just slid out of the front of the running window.
    static func leave(_ lane: inout Lane<Self>, _ leaving: Range<Int>, laneIndex: Int, shared: inout Shared)

    /// Forgets an entry that is physically dropped.
    static func release(_ entry: Entry, shared: inout Shared)

    /// Drops entries that no query at `watermark` or later can tell from a later entry; returns how many.
    ///
    /// Called after the table has dropped everything at or before `watermark − width`. The policy
    /// releases what it drops and keeps the lane's `windowStart` pointing at the same entry.
    static func compact(_ lane: inout Lane<Self>, through watermark: Int64, laneIndex: Int, shared: inout Shared) -> Int

    /// The aggregate of the running window.
    static func result(of lane: Lane<Self>, function: WindowFunction, shared: Shared) -> Value?

    /// The aggregate of the entries at `positions`, for a query that the running window does not answer.
    ///
    /// Late queries differ from the running window by a few entries at each end, so policies that
    /// can undo an entry start from the running window (see ``Lane/difference(to:)``).
    static func result(
        of lane: Lane<Self>, laneIndex: Int, positions: Range<Int>, function: WindowFunction, shared: Shared
    ) -> Value?

    /// The value the entry was recorded with, for snapshots.
    static func value(of entry: Entry, shared: Shared) -> Value?

    static func heapBytes(of shared: Shared) -> Int
}

extension WindowPolicy {
    /// Every entry counts on its own in a count, sum, average, minimum or maximum.
    static func compact(
        _ lane: inout Lane<Self>, through watermark: Int64, laneIndex: Int, shared: inout Shared
    ) -> Int {
        0
    }
}

/// The state of a function that keeps none beyond its entries.
struct NoState {}

extension WindowPolicy where Shared == NoState {
    static func makeShared() -> Shared { NoState() }
    static func release(_ entry: Entry, shared: inout Shared) {}
    static func heapBytes(of shared: Shared) -> Int { 0 }
}

/// One key's entries and the incremental state of its running window; the key itself is the
/// lane's index in the store's ``KeyDirectory``.
///
/// The running window is `ring[windowStart...]`: the entries later than `anchor − width`.
/// Entries before it stay only for queries at earlier times, until the watermark passes them.
/// A lane with no entries is vacant. Positions are stored in 32 bits to keep lanes small.
struct Lane<Policy: WindowPolicy>: Sendable {
    var ring = TimeRing<Policy.Entry>()
    private var storedWindowStart: Int32 = 0
    private var storedSplit: Int32 = 0
    /// The latest time the running window was slid to.
    var anchor = Int64.min
    var running: Policy.Running

    init() {
        self.running = Policy.idle
    }

    /// Returns a lane whose ring is empty to its initial state, field by field: assigning a whole
    /// new lane destroys the old one through the generic lane's value witnesses, a costly detour.
    mutating func vacate() {
        storedWindowStart = 0
        storedSplit = 0
        anchor = .min
        running = Policy.idle
    }

    var windowStart: Int {
        get { Int(storedWindowStart) }
        set { storedWindowStart = Int32(truncatingIfNeeded: newValue) }
    }

    /// Where a policy's back stack starts (extremum functions only).
    var split: Int {
        get { Int(storedSplit) }
        set { storedSplit = Int32(truncatingIfNeeded: newValue) }
    }
}

extension Lane {
    /// How the entries at `positions` differ from the running window, when that is cheaper than a scan.
    ///
    /// `joining` lies before the running window and `leaving` at its end; `nil` means scanning
    /// `positions` directly costs less or the ranges do not line up.
    func difference(to positions: Range<Int>) -> (joining: Range<Int>, leaving: Range<Int>)? {
        guard positions.lowerBound <= windowStart, windowStart <= positions.upperBound else { return nil }
        let joining = positions.lowerBound..<windowStart
        let leaving = positions.upperBound..<ring.count
        guard joining.count + leaving.count < positions.count else { return nil }
        return (joining, leaving)
    }
}
