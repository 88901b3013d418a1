import VigilRules
import VigilValues
import VigilWindows

/// One shared aggregator: its definition from the plan and its window state for every key.
struct AggregatorState {
    let spec: AggregatorSpec
    let store: SlidingWindowStore
    private let input: FieldID?

    init(spec: AggregatorSpec) {
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
    /// - Returns: nil when a key field is missing (the aggregate is unknown for this event).
    func observe(_ fields: [Value?], at time: Int64) -> Value? {
        guard let key = WindowKey.make(spec.keyFields, from: fields) else { return nil }
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

/// The window key of an event: the values of the key fields, joined.
enum WindowKey {
    /// A separator no sane identifier contains (ASCII unit separator).
    private static let separator = "\u{1F}"

    static func make(_ keyFields: [FieldID], from fields: [Value?]) -> String? {
        if keyFields.count == 1 {
            return fields[keyFields[0].index].map(text)
        }
        var key = ""
        for (position, field) in keyFields.enumerated() {
            guard let value = fields[field.index] else { return nil }
            if position > 0 { key += separator }
            key += text(value)
        }
        return key
    }

    private static func text(_ value: Value) -> String {
        if case .string(let string) = value { return string }
        return value.description
    }
}
