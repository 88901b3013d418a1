import VigilRules
import VigilValues
import VigilWindows

/// One shared aggregator: its definition from the plan and the window state it reads.
///
/// Aggregators of different functions may read one state (see `WindowStateSpec`): the first of
/// them in the plan records each event into it, the others only read it, after the recorder has.
///
/// A class, so that the per-event loop over aggregators borrows each one instead of copying its
/// definition (a struct copy retained every field of the spec, for every aggregator and event).
final class AggregatorState {
    let spec: AggregatorSpec
    let store: SlidingWindowStore
    /// The name the store goes by across reloads and in snapshots (see ``StateAssignment``).
    let stateName: String
    /// Whether this aggregator records events into the store; false when another one does.
    let records: Bool
    /// The aggregate this aggregator reads from the store.
    private let reading: WindowFunction
    /// The value the store records, by what the store's state records, not what this aggregator reads.
    private let input: FieldID?

    init(spec: AggregatorSpec, store: SlidingWindowStore, stateName: String, records: Bool) {
        self.spec = spec
        self.store = store
        self.stateName = stateName
        self.records = records
        self.reading = Self.windowFunction(for: spec.function).function
        self.input = Self.windowFunction(for: spec.state.function).input
    }

    /// A new, empty store for the state of `spec`.
    static func makeStore(for spec: AggregatorSpec) -> SlidingWindowStore {
        SlidingWindowStore(function: windowFunction(for: spec.state.function).function, widthMilliseconds: spec.windowMilliseconds)
    }

    /// Records the event when the filter passes (if this aggregator records), then reads the window ending at `time`.
    /// - Parameter lane: the event's key for this aggregator's key fields, as the lane ``KeyGroups``
    ///   looked it up in the store's key directory.
    /// - Returns: nil when a key field is missing (the aggregate is unknown for this event).
    func observe(_ fields: [Value?], lane: Int?, at time: Int64) -> Value? {
        guard let lane else { return nil }
        // A filter admits only the events for which it holds: unknown (a field missing) is not true.
        guard records, spec.filter.map({ $0.evaluate(fields) == true }) ?? true else {
            return store.aggregate(lane: lane, at: time, as: reading)
        }
        let value = input.flatMap { fields[$0.index] }
        if input != nil, value == nil { return store.aggregate(lane: lane, at: time, as: reading) }
        return store.recordAndAggregate(lane: lane, time: time, value: value, as: reading)
    }

    static func windowFunction(for function: AggregateFunction) -> (function: WindowFunction, input: FieldID?) {
        switch function {
        case .count: (.count, nil)
        case .sum(let field): (.sum, field)
        case .average(let field): (.average, field)
        case .minimum(let field): (.minimum, field)
        case .maximum(let field): (.maximum, field)
        case .distinct(let field): (.distinctCount, field)
        }
    }
}

/// Which store each aggregator of a plan reads, given the stores that exist already.
///
/// An aggregator keeps the store of its own function (``AggregatorSpec/ownStateText``) when
/// there is one: a count that had a store of its own before a sum or average over the same window
/// came along keeps its history.
/// Otherwise it reads the store its plan names as its state, existing or new, shared by every
/// aggregator of the plan that names it.
struct StateAssignment {
    private(set) var aggregators: [AggregatorState] = []
    /// Aggregators whose state carried over, and aggregators that started on a new one.
    private(set) var kept = 0
    private(set) var started = 0
    /// Existing stores, by name, that no aggregator reads any more.
    private(set) var unused: [String: SlidingWindowStore]

    /// - Parameter createMissing: whether an aggregator may start on a new store; when not, the
    ///   names of the states no existing store holds are returned in ``missing``.
    init(plan: RulePlan, existing: [String: SlidingWindowStore], createMissing: Bool = true) {
        unused = existing
        var chosen: [String: SlidingWindowStore] = [:]
        for spec in plan.aggregators {
            let name = [spec.ownStateText, spec.state.text].first { chosen[$0] != nil || existing[$0] != nil } ?? spec.state.text
            let reused = chosen[name]
            let store = reused ?? existing[name] ?? (createMissing ? AggregatorState.makeStore(for: spec) : nil)
            guard let store else {
                missing.append(name)
                continue
            }
            if existing[name] != nil { kept += 1 } else { started += 1 }
            unused[name] = nil
            chosen[name] = store
            aggregators.append(AggregatorState(spec: spec, store: store, stateName: name, records: reused == nil))
        }
    }

    /// States for which no store existed, when ``init(plan:existing:createMissing:)`` could not create them.
    private(set) var missing: [String] = []
}

/// The distinct key-field lists of a plan's aggregators, and each event's key for each list.
///
/// Aggregators keyed by the same fields share one key directory: each event's key is joined,
/// hashed and looked up once per list, however many stores record it.
///
/// An event's window state lies in tables far larger than the caches, and each read depends on
/// the one before (bucket, key entry and lane, ring), so read one key after another, an event
/// waits for a dozen memory round trips in a row. ``findLanes(from:)`` first requests, for every
/// key of the event together, each step's lines (see ``KeyDirectory/likelyLane(of:)``), so the
/// event waits for about three round trips, the others overlapping them.
struct KeyGroups {
    /// A separator no sane identifier contains (ASCII unit separator).
    private static let separator = "\u{1F}"

    private struct Group {
        let keyFields: [FieldID]
        /// Not retained: `KeyGroups.directories` keeps the directory alive. Loading a counted
        /// reference out of an array retains and releases it around every call, twice per group
        /// and event, for no purpose with a single owner.
        let directory: Unmanaged<KeyDirectory>
        /// Where the group's stores lie in ``KeyGroups/stores``.
        let stores: Range<Int>
    }

    private let groups: [Group]
    private let directories: [KeyDirectory]
    /// The group of each aggregator, by `AggregatorID.index`.
    private let groupOfAggregator: [Int]
    /// Every group's stores, one group after the other, unretained: the aggregators keep them.
    private let stores: [Unmanaged<SlidingWindowStore>]
    /// The current event's key per group; nil when one of the group's fields is missing.
    private var keys: [WindowKey?]
    /// The current event's lane per group; nil when one of the group's fields is missing. While
    /// ``findLanes(from:)`` requests state ahead, it holds each key's guessed lane instead.
    private var lanes: [Int?]

    /// Groups aggregators by key fields; a store that holds no key yet joins its group's directory.
    /// A store that several aggregators read is listed once.
    init(aggregators: [AggregatorState]) {
        var keyFieldLists: [[FieldID]] = []
        var directories: [KeyDirectory] = []
        var stores: [[Unmanaged<SlidingWindowStore>]] = []
        groupOfAggregator = aggregators.map { aggregator in
            let keyFields = aggregator.spec.keyFields
            let existing = keyFieldLists.indices.first {
                keyFieldLists[$0] == keyFields && aggregator.store.share(keysOf: directories[$0])
            }
            let group = existing ?? keyFieldLists.count
            if existing == nil {
                keyFieldLists.append(keyFields)
                directories.append(aggregator.store.keys)
                stores.append([])
            }
            if !stores[group].contains(where: { $0.takeUnretainedValue() === aggregator.store }) {
                stores[group].append(Unmanaged.passUnretained(aggregator.store))
            }
            return group
        }
        var groups: [Group] = []
        for index in keyFieldLists.indices {
            let start = groups.last?.stores.upperBound ?? 0
            let range = start..<start + stores[index].count
            groups.append(Group(keyFields: keyFieldLists[index], directory: Unmanaged.passUnretained(directories[index]), stores: range))
        }
        self.groups = groups
        self.directories = directories
        self.stores = stores.flatMap { $0 }
        keys = Array(repeating: nil, count: groups.count)
        lanes = Array(repeating: nil, count: groups.count)
    }

    /// Looks every group's key of the event up, adding it when new, after requesting the state
    /// of all of them in three steps.
    mutating func findLanes(from fields: [Value?]) {
        for index in groups.indices {
            keys[index] = Self.key(groups[index].keyFields, from: fields)
            if let key = keys[index] { groups[index].directory._withUnsafeGuaranteedRef { $0.prefetchBucket(of: key) } }
        }
        for index in groups.indices {
            guard let key = keys[index],
                let lane = groups[index].directory._withUnsafeGuaranteedRef({ $0.likelyLane(of: key) })
            else {
                lanes[index] = nil
                continue
            }
            lanes[index] = lane
            for store in groups[index].stores { stores[store]._withUnsafeGuaranteedRef { $0.prefetchLane(lane) } }
        }
        for index in groups.indices {
            guard let lane = lanes[index] else { continue }
            for store in groups[index].stores { stores[store]._withUnsafeGuaranteedRef { $0.prefetchEntries(ofLane: lane) } }
        }
        for index in groups.indices {
            let directory = groups[index].directory
            lanes[index] = keys[index].map { key in directory._withUnsafeGuaranteedRef { $0.lane(for: key) } }
        }
    }

    /// Drops the keys the event added that no store recorded, as a filter or a missing value leaves them.
    ///
    /// `mutating` although it changes nothing here: called in place on the engine's property, it
    /// borrows the groups' arrays instead of retaining each of them for a copy of the struct.
    mutating func forgetUnheldKeys() {
        for index in groups.indices {
            if let lane = lanes[index] { groups[index].directory._withUnsafeGuaranteedRef { $0.forgetIfUnheld(lane) } }
        }
    }

    /// The current event's lane for an aggregator.
    func lane(ofAggregator index: Int) -> Int? {
        lanes[groupOfAggregator[index]]
    }

    /// The values of the key fields, joined.
    private static func key(_ keyFields: [FieldID], from fields: [Value?]) -> WindowKey? {
        if keyFields.count == 1 {
            return fields[keyFields[0].index].map { WindowKey(text($0)) }
        }
        var key = ""
        for (position, field) in keyFields.enumerated() {
            guard let value = fields[field.index] else { return nil }
            if position > 0 { key += separator }
            key += text(value)
        }
        return WindowKey(key)
    }

    private static func text(_ value: Value) -> String {
        if case .string(let string) = value { return string }
        return value.description
    }
}
