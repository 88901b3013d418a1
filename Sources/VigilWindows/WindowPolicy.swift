import VigilValues

/// One aggregate function's entry layout and incremental bookkeeping.
///
/// The table owns keys, ordering and expiry; a policy only says how an entry joins and leaves the
/// running window of its key, which keeps the in-order hot path O(1) for every function.
protocol WindowPolicy {
    associatedtype Entry: TimedEntry
    /// Per-key incremental state of the running window.
    associatedtype Running
    /// State shared by all keys of one store, such as interned distinct values.
    associatedtype Shared

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

    /// The aggregate of the running window.
    static func result(of lane: Lane<Self>, function: WindowFunction, shared: Shared) -> Value?

    /// The aggregate of the entries at `positions`, computed from scratch.
    static func result(
        of lane: Lane<Self>, positions: Range<Int>, function: WindowFunction, shared: Shared
    ) -> Value?

    /// The value the entry was recorded with, for snapshots.
    static func value(of entry: Entry, shared: Shared) -> Value?

    static func heapBytes(of shared: Shared) -> Int
}

/// The state of a function that keeps none beyond its entries.
struct NoState {}

extension WindowPolicy where Shared == NoState {
    static func makeShared() -> Shared { NoState() }
    static func release(_ entry: Entry, shared: inout Shared) {}
    static func heapBytes(of shared: Shared) -> Int { 0 }
}

/// One key's entries and the incremental state of its running window.
///
/// The running window is `ring[windowStart...]`: the entries later than `anchor − width`.
/// Entries before it stay only for queries at earlier times, until the watermark passes them.
struct Lane<Policy: WindowPolicy> {
    var key: String
    var ring = TimeRing<Policy.Entry>()
    var windowStart = 0
    /// Where a policy's back stack starts (extremum functions only).
    var split = 0
    /// The latest time the running window was slid to.
    var anchor = Int64.min
    /// The expiry slot this lane is registered under.
    var expirySlot = Int64.max
    var isOccupied: Bool
    var running: Policy.Running

    init(key: String) {
        self.key = key
        self.isOccupied = true
        self.running = Policy.idle
    }

    static var vacant: Lane {
        var lane = Lane(key: "")
        lane.isOccupied = false
        return lane
    }
}
