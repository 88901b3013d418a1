import VigilValues

/// Interns fields and aggregators across all rules, so the plan's tables hold each exactly once.
final class PlanBuilder {
    private(set) var fields: [FieldSpec] = []
    private var fieldIDs: [String: FieldID] = [:]
    private var planned: [AggregatorSpec] = []
    private var aggregatorIDs: [String: AggregatorID] = [:]

    func field(_ name: String, type: ValueType) -> FieldID {
        if let id = fieldIDs[name] { return id }
        let id = FieldID(fields.count)
        fields.append(FieldSpec(name: name, type: type))
        fieldIDs[name] = id
        return id
    }

    /// Returns the existing aggregator when one with the same canonical text is already planned.
    func aggregator(
        _ function: AggregateFunction, keys: [FieldID], window: Int64, filter: Typed?, canonicalText: String
    ) -> AggregatorID {
        if let id = aggregatorIDs[canonicalText] { return id }
        let id = AggregatorID(index: planned.count)
        let predicate = filter.map { CompiledPredicate(canonicalText: $0.text, body: Evaluator<FieldValues>.logic($0)) }
        planned.append(
            AggregatorSpec(
                function: function, keyFields: keys, windowMilliseconds: window, filter: predicate,
                canonicalText: canonicalText, state: WindowStateSpec(function: function, text: canonicalText)))
        aggregatorIDs[canonicalText] = id
        return id
    }

    /// The planned aggregators, each with the window state it reads (see ``WindowStateSpec``).
    var aggregators: [AggregatorSpec] {
        var numbers: [NumbersState: WindowStateSpec] = [:]
        for spec in planned {
            guard case .sum(let field) = spec.function else { continue }
            numbers[NumbersState(spec, field: field)] = spec.state
        }
        for spec in planned {
            guard case .average(let field) = spec.function, numbers[NumbersState(spec, field: field)] == nil else { continue }
            let sumText = "sum" + spec.canonicalText.dropFirst("avg".count)
            numbers[NumbersState(spec, field: field)] = WindowStateSpec(function: .sum(field), text: sumText)
        }
        return planned.map { spec in
            var spec = spec
            switch spec.function {
            case .sum(let field), .average(let field):
                spec.state = numbers[NumbersState(spec, field: field)] ?? spec.state
            case .count:
                let everyEvent = fields.indices.filter { Vocabulary.alwaysPresentNumbers.contains(fields[$0].name) }
                if let shared = everyEvent.lazy.compactMap({ numbers[NumbersState(spec, field: FieldID($0))] }).first {
                    spec.state = shared
                }
            case .minimum, .maximum, .distinct:
                break
            }
            return spec
        }
    }

    /// The keys, window, filter and field of a store of numbers.
    private struct NumbersState: Hashable {
        let field: FieldID
        let keyFields: [FieldID]
        let windowMilliseconds: Int64
        let filterText: String?

        init(_ spec: AggregatorSpec, field: FieldID) {
            self.field = field
            keyFields = spec.keyFields
            windowMilliseconds = spec.windowMilliseconds
            filterText = spec.filter?.canonicalText
        }
    }
}
