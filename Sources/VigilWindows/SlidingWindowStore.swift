package import VigilValues

/// An aggregate function over a sliding window. Raw values are part of the snapshot format.
package enum WindowFunction: UInt8, Hashable, Sendable, CaseIterable {
    case count = 0
    case sum = 1
    case average = 2
    case minimum = 3
    case maximum = 4
    case distinctCount = 5
}

/// One aggregator's exact sliding windows for all its keys, over event time.
///
/// For an observation of a key at time `t`, the window is the half-open interval `(t − width, t]`.
/// An in-order record followed by a query at the same time costs O(1) amortised and allocates
/// nothing once the key's buffer has grown; out-of-order records and queries at earlier times cost
/// O(entries in the window). Owned by one task: not `Sendable`.
package final class SlidingWindowStore {
    /// The table of the store's function, unretained: ``owner`` holds it for the store's life.
    /// A counted reference bound out of an enum case was retained and released around every
    /// call on the hot path.
    private enum Table {
        case count(Unmanaged<WindowTable<CountPolicy>>)
        case sum(Unmanaged<WindowTable<SumPolicy>>)
        case minimum(Unmanaged<WindowTable<ExtremumPolicy<MinimumOrder>>>)
        case maximum(Unmanaged<WindowTable<ExtremumPolicy<MaximumOrder>>>)
        case distinct(Unmanaged<WindowTable<DistinctPolicy>>)
    }

    package let function: WindowFunction
    /// The window width; widths below one millisecond are raised to one.
    package let widthMilliseconds: Int64
    private let table: Table
    private let owner: AnyObject

    /// - Parameter keys: the directory of the store's keys, which other stores keyed by the same
    ///   fields may share (see ``share(keysOf:)``); by default one of its own.
    package init(function: WindowFunction, widthMilliseconds: Int64, keys: KeyDirectory = KeyDirectory()) {
        let width = max(1, widthMilliseconds)
        self.function = function
        self.widthMilliseconds = width
        self.keys = keys
        switch function {
        case .count: (table, owner) = Self.make(Table.count, WindowTable(function: function, width: width, directory: keys))
        case .sum, .average: (table, owner) = Self.make(Table.sum, WindowTable(function: function, width: width, directory: keys))
        case .minimum: (table, owner) = Self.make(Table.minimum, WindowTable(function: function, width: width, directory: keys))
        case .maximum: (table, owner) = Self.make(Table.maximum, WindowTable(function: function, width: width, directory: keys))
        case .distinctCount: (table, owner) = Self.make(Table.distinct, WindowTable(function: function, width: width, directory: keys))
        }
    }

    /// The directory that maps this store's keys to lanes.
    package private(set) var keys: KeyDirectory

    /// Makes the store use `other`'s key directory, so that one lookup per event serves both.
    ///
    /// - Returns: whether the store now uses it: true when it already did or held no key yet.
    package func share(keysOf other: KeyDirectory) -> Bool {
        let shares = switch table {
        case .count(let table): table._withUnsafeGuaranteedRef { $0.share(other) }
        case .sum(let table): table._withUnsafeGuaranteedRef { $0.share(other) }
        case .minimum(let table): table._withUnsafeGuaranteedRef { $0.share(other) }
        case .maximum(let table): table._withUnsafeGuaranteedRef { $0.share(other) }
        case .distinct(let table): table._withUnsafeGuaranteedRef { $0.share(other) }
        }
        if shares { keys = other }
        return shares
    }

    /// Records one observation of `key` at `time`.
    ///
    /// `value` is the number summed, averaged or compared, or the value counted by a distinct
    /// count; a count ignores it. An observation whose value does not apply (missing, or not a
    /// number where one is needed) is not recorded, as a missing field contributes nothing.
    package func record(key: WindowKey, time: Int64, value: Value?) {
        _ = recordAndAggregate(key: key, time: time, value: value)
    }

    /// The aggregate over `(time − width, time]` for `key`.
    ///
    /// An empty window counts, sums and distinct-counts to 0 and has no average, minimum or maximum.
    package func aggregate(key: WindowKey, at time: Int64) -> Value? {
        let lane = keys.lane(for: key)
        defer { keys.forgetIfUnheld(lane) }
        return aggregate(lane: lane, at: time, as: function)
    }

    /// Records an observation and returns the aggregate at its time, with one key lookup.
    package func recordAndAggregate(key: WindowKey, time: Int64, value: Value?) -> Value? {
        let lane = keys.lane(for: key)
        defer { keys.forgetIfUnheld(lane) }
        return recordAndAggregate(lane: lane, time: time, value: value, as: function)
    }

    /// ``recordAndAggregate(key:time:value:)`` for a key already looked up in ``keys``.
    ///
    /// - Parameters:
    ///   - lane: `keys.lane(for: key)`; the caller drops the key with
    ///     ``KeyDirectory/forgetIfUnheld(_:)`` when no store ends up holding it.
    ///   - function: the aggregate to read, the store's own ``function`` or one the store also
    ///     answers (a store of sums also answers the average and the count of its numbers).
    package func recordAndAggregate(lane: Int, time: Int64, value: Value?, as function: WindowFunction) -> Value? {
        switch table {
        case .count(let table): table._withUnsafeGuaranteedRef { $0.recordAndAggregate(lane: lane, time: time, value: value, as: function) }
        case .sum(let table): table._withUnsafeGuaranteedRef { $0.recordAndAggregate(lane: lane, time: time, value: value, as: function) }
        case .minimum(let table): table._withUnsafeGuaranteedRef { $0.recordAndAggregate(lane: lane, time: time, value: value, as: function) }
        case .maximum(let table): table._withUnsafeGuaranteedRef { $0.recordAndAggregate(lane: lane, time: time, value: value, as: function) }
        case .distinct(let table): table._withUnsafeGuaranteedRef { $0.recordAndAggregate(lane: lane, time: time, value: value, as: function) }
        }
    }

    /// ``aggregate(key:at:)`` for a key already looked up in ``keys``, as
    /// ``recordAndAggregate(lane:time:value:as:)`` reads it.
    package func aggregate(lane: Int, at time: Int64, as function: WindowFunction) -> Value? {
        switch table {
        case .count(let table): table._withUnsafeGuaranteedRef { $0.aggregate(lane: lane, at: time, as: function) }
        case .sum(let table): table._withUnsafeGuaranteedRef { $0.aggregate(lane: lane, at: time, as: function) }
        case .minimum(let table): table._withUnsafeGuaranteedRef { $0.aggregate(lane: lane, at: time, as: function) }
        case .maximum(let table): table._withUnsafeGuaranteedRef { $0.aggregate(lane: lane, at: time, as: function) }
        case .distinct(let table): table._withUnsafeGuaranteedRef { $0.aggregate(lane: lane, at: time, as: function) }
        }
    }

    /// Whether the store can read `function` as well as its own: a store of sums (or of averages,
    /// which record the same numbers) answers sums, averages and counts.
    package func answers(_ other: WindowFunction) -> Bool {
        switch (function, other) {
        case (.sum, .sum), (.sum, .average), (.sum, .count), (.average, .sum), (.average, .average), (.average, .count): true
        default: function == other
        }
    }

    /// Requests the line of a lane's state, ahead of an event for its key (see ``KeyDirectory/likelyLane(of:)``).
    package func prefetchLane(_ lane: Int) {
        switch table {
        case .count(let table): table._withUnsafeGuaranteedRef { $0.prefetchLane(lane) }
        case .sum(let table): table._withUnsafeGuaranteedRef { $0.prefetchLane(lane) }
        case .minimum(let table): table._withUnsafeGuaranteedRef { $0.prefetchLane(lane) }
        case .maximum(let table): table._withUnsafeGuaranteedRef { $0.prefetchLane(lane) }
        case .distinct(let table): table._withUnsafeGuaranteedRef { $0.prefetchLane(lane) }
        }
    }

    /// Requests the lines of a lane's entries that an in-order event touches; reads the lane, so
    /// its line should have been requested a while before with ``prefetchLane(_:)``.
    package func prefetchEntries(ofLane lane: Int) {
        switch table {
        case .count(let table): table._withUnsafeGuaranteedRef { $0.prefetchRing(ofLane: lane) }
        case .sum(let table): table._withUnsafeGuaranteedRef { $0.prefetchRing(ofLane: lane) }
        case .minimum(let table): table._withUnsafeGuaranteedRef { $0.prefetchRing(ofLane: lane) }
        case .maximum(let table): table._withUnsafeGuaranteedRef { $0.prefetchRing(ofLane: lane) }
        case .distinct(let table): table._withUnsafeGuaranteedRef { $0.prefetchRing(ofLane: lane) }
        }
    }

    /// The store's windows as they are now, for a snapshot written later, maybe on another
    /// thread, while the store goes on (see ``FrozenWindowStore``).
    package func frozen() -> FrozenWindowStore {
        switch table {
        case .count(let table): FrozenWindowStore(table.takeUnretainedValue().frozen())
        case .sum(let table): FrozenWindowStore(table.takeUnretainedValue().frozen())
        case .minimum(let table): FrozenWindowStore(table.takeUnretainedValue().frozen())
        case .maximum(let table): FrozenWindowStore(table.takeUnretainedValue().frozen())
        case .distinct(let table): FrozenWindowStore(table.takeUnretainedValue().frozen())
        }
    }

    /// Adds `count` keys of a snapshot to a store that holds none of them yet.
    func restore(_ count: Int, from reader: inout SnapshotReader, decoder: inout HistoryDecoder) throws(WindowSnapshotError) {
        switch table {
        case .count(let table): try table.takeUnretainedValue().restore(count, from: &reader, decoder: &decoder)
        case .sum(let table): try table.takeUnretainedValue().restore(count, from: &reader, decoder: &decoder)
        case .minimum(let table): try table.takeUnretainedValue().restore(count, from: &reader, decoder: &decoder)
        case .maximum(let table): try table.takeUnretainedValue().restore(count, from: &reader, decoder: &decoder)
        case .distinct(let table): try table.takeUnretainedValue().restore(count, from: &reader, decoder: &decoder)
        }
    }

    /// The table's case, unretained, and the table itself for ``owner``.
    private static func make<Policy>(
        _ tableCase: (Unmanaged<WindowTable<Policy>>) -> Table, _ table: WindowTable<Policy>
    ) -> (Table, AnyObject) {
        (tableCase(.passUnretained(table)), table)
    }

    /// Declares that no record or query will come for a time earlier than `watermark`.
    ///
    /// Entries at or before `watermark − width` are dropped, and keys left empty are evicted. The
    /// work is proportional to the keys that have something to drop: lanes are grouped by the
    /// expiry of their oldest entry in slots of width/64, so an entry may outlive its expiry by
    /// up to one slot. A watermark that does not move forward is ignored.
    package func advance(watermark: Int64) {
        switch table {
        case .count(let table): table._withUnsafeGuaranteedRef { $0.advance(watermark: watermark) }
        case .sum(let table): table._withUnsafeGuaranteedRef { $0.advance(watermark: watermark) }
        case .minimum(let table): table._withUnsafeGuaranteedRef { $0.advance(watermark: watermark) }
        case .maximum(let table): table._withUnsafeGuaranteedRef { $0.advance(watermark: watermark) }
        case .distinct(let table): table._withUnsafeGuaranteedRef { $0.advance(watermark: watermark) }
        }
    }

    /// The latest watermark passed to ``advance(watermark:)``, or `Int64.min`.
    package var watermark: Int64 { inspected.watermark }
    package var activeKeys: Int { inspected.activeKeys }
    package var retainedEntries: Int { inspected.retainedEntries }
    /// Heap bytes held: entries, ring buffers, lanes, key directory, key strings and shared tables.
    package var estimatedBytes: Int { inspected.estimatedBytes }

    /// The observations of every key in time order, for snapshots.
    var histories: [WindowSnapshot.KeyHistory] { inspected.histories() }

    private var inspected: any InspectableWindowTable {
        switch table {
        case .count(let table): table.takeUnretainedValue()
        case .sum(let table): table.takeUnretainedValue()
        case .minimum(let table): table.takeUnretainedValue()
        case .maximum(let table): table.takeUnretainedValue()
        case .distinct(let table): table.takeUnretainedValue()
        }
    }
}

/// The read-only questions asked of any table, off the hot path.
protocol InspectableWindowTable {
    var watermark: Int64 { get }
    var activeKeys: Int { get }
    var retainedEntries: Int { get }
    var estimatedBytes: Int { get }
    func histories() -> [WindowSnapshot.KeyHistory]
}

extension WindowTable: InspectableWindowTable {}
