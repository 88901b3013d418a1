import VigilValues

/// Interns fields and aggregators across all rules, so the plan's tables hold each exactly once.
final class PlanBuilder {
    private(set) var fields: [FieldSpec] = []
    private var fieldIDs: [String: FieldID] = [:]
    private(set) var aggregators: [AggregatorSpec] = []
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
        let id = AggregatorID(index: aggregators.count)
        let predicate = filter.map { CompiledPredicate(canonicalText: $0.text, body: Evaluator<FieldValues>.logic($0)) }
        aggregators.append(
            AggregatorSpec(
                function: function, keyFields: keys, windowMilliseconds: window, filter: predicate,
                canonicalText: canonicalText))
        aggregatorIDs[canonicalText] = id
        return id
    }
}
