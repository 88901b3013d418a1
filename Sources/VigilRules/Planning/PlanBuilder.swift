import VigilValues

/// Interns fields and aggregators across all rules, so the plan's tables hold each exactly once.
final class PlanBuilder {
    private(set) var fields: [FieldSpec] = []
    private var fieldIDs: [String: FieldID] = [:]
    private var planned: [AggregatorSpec] = []
    /// Per planned aggregator, the `sum(…)` texts of the stores that could answer it.
    private var sharableSums: [[String]] = []
    private var aggregatorIDs: [String: AggregatorID] = [:]

    func field(_ name: String, type: ValueType) -> FieldID {
        if let id = fieldIDs[name] { return id }
        let id = FieldID(fields.count)
        fields.append(FieldSpec(name: name, type: type))
        fieldIDs[name] = id
        return id
    }

    /// Returns the existing aggregator when one with the same canonical text is already planned.
    /// - Parameter contentTag: what identifies the contents of the lists and tables the filter reads.
    /// - Parameter written: the aggregate and its window as the first rule reading it wrote them.
    /// - Parameter sharableSums: the canonical texts of the `sum(…)` aggregates whose store of
    ///   numbers would answer this one too: its own for a sum or average, those of the fields every
    ///   event carries for a count.
    func aggregator(
        _ function: AggregateFunction, keys: [FieldID], window: Int64, filter: Typed?, canonicalText: String,
        contentTag: String, written: (text: String, window: String), sharableSums: [String]
    ) -> AggregatorID {
        if let id = aggregatorIDs[canonicalText] { return id }
        let id = AggregatorID(index: planned.count)
        let predicate = filter.map { CompiledPredicate(canonicalText: $0.text, body: Evaluator<FieldValues>.logic($0)) }
        planned.append(
            AggregatorSpec(
                function: function, keyFields: keys, windowMilliseconds: window, filter: predicate,
                canonicalText: canonicalText, contentTag: contentTag, writtenText: written.text, writtenWindow: written.window,
                state: WindowStateSpec(function: function, text: canonicalText + contentTag)))
        self.sharableSums.append(sharableSums)
        aggregatorIDs[canonicalText] = id
        return id
    }

    /// The names of the fields an aggregator is keyed by, in the order its rule wrote them.
    func keyFieldNames(of id: AggregatorID) -> [String] {
        planned[id.index].keyFields.map { fields[$0.index].name }
    }

    /// The planned aggregators, each with the window state it reads (see ``WindowStateSpec``): a
    /// sum or average records a store of numbers named by its `sum(…)` text, and a count reads one
    /// that a sum or average of the plan keeps.
    var aggregators: [AggregatorSpec] {
        var numbers: [String: FieldID] = [:]
        for (spec, sums) in zip(planned, sharableSums) {
            switch spec.function {
            case .sum(let field), .average(let field): if let text = sums.first { numbers[text] = field }
            case .count, .minimum, .maximum, .distinct: break
            }
        }
        return zip(planned, sharableSums).map { spec, sums in
            guard let text = sums.first(where: { numbers[$0] != nil }), let field = numbers[text] else { return spec }
            var shared = spec
            shared.state = WindowStateSpec(function: .sum(field), text: text)
            return shared
        }
    }
}
