import VigilRules
import VigilValues
import VigilWindows

/// One shared aggregator: its definition from the plan and its window state for every key.
///
/// A class, so that the per-event loop over aggregators borrows each one instead of copying its
/// definition (a struct copy retained every field of the spec, for every aggregator and event).
final class AggregatorState {
    let spec: AggregatorSpec
    let store: SlidingWindowStore
    private let input: FieldID?

    convenience init(spec: AggregatorSpec) {
        let (function, _) = Self.windowFunction(for: spec.function)
        self.init(spec: spec, store: SlidingWindowStore(function: function, widthMilliseconds: spec.windowMilliseconds))
    }

    /// Binds a (possibly renumbered) definition to existing window state.
    init(spec: AggregatorSpec, store: SlidingWindowStore) {
        self.spec = spec
        self.input = Self.windowFunction(for: spec.function).1
        self.store = store
    }

    /// Records the event when the filter passes, then reads the window ending at `time`.
    /// - Parameter key: the event's key for this aggregator's key fields, from ``KeyGroups``.
    /// - Returns: nil when a key field is missing (the aggregate is unknown for this event).
    func observe(_ fields: [Value?], key: WindowKey?, at time: Int64) -> Value? {
        guard let key else { return nil }
        guard spec.filter?.evaluate(fields) ?? true else { return store.aggregate(key: key, at: time) }
        let value = input.flatMap { fields[$0.index] }
        if input != nil, value == nil { return store.aggregate(key: key, at: time) }
        return store.recordAndAggregate(key: key, time: time, value: value)
    }

    private static func windowFunction(for function: AggregateFunction) -> (WindowFunction, FieldID?) {
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

/// The distinct key-field lists of a plan's aggregators, and each event's key for each list.
///
/// Aggregators keyed by the same fields share one key per event: it is joined and hashed once,
/// however many stores it is looked up in.
struct KeyGroups {
    /// A separator no sane identifier contains (ASCII unit separator).
    private static let separator = "\u{1F}"

    private let groups: [[FieldID]]
    /// The group of each aggregator, by `AggregatorID.index`.
    private let groupOfAggregator: [Int]
    /// The current event's key per group; nil when one of the group's fields is missing.
    private var keys: [WindowKey?]

    init(aggregators: [AggregatorSpec]) {
        var groups: [[FieldID]] = []
        groupOfAggregator = aggregators.map { spec in
            if let existing = groups.firstIndex(of: spec.keyFields) { return existing }
            groups.append(spec.keyFields)
            return groups.count - 1
        }
        self.groups = groups
        keys = Array(repeating: nil, count: groups.count)
    }

    /// Builds every group's key from the event's fields.
    mutating func makeKeys(from fields: [Value?]) {
        for index in groups.indices {
            keys[index] = Self.key(groups[index], from: fields)
        }
    }

    /// The current event's key for an aggregator.
    func key(ofAggregator index: Int) -> WindowKey? {
        keys[groupOfAggregator[index]]
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
