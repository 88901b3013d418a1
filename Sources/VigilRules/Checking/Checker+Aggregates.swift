import VigilValues

extension Checker {
    private static let aggregateLabels = ["by", "over", "where"]
    private static let numberFunctions: [String: @Sendable (FieldID) -> AggregateFunction] = [
        "sum": AggregateFunction.sum, "avg": AggregateFunction.average,
        "min": AggregateFunction.minimum, "max": AggregateFunction.maximum,
    ]

    /// Checks `fn([field,] by: keys, over: window[, where: filter])` and plans its aggregator.
    mutating func aggregate(_ name: String, _ nameSpan: Span, _ arguments: [Argument]) -> Typed? {
        if insideFilter { return fail(nameSpan, "an aggregate cannot be used inside where:") }
        guard let (positional, labelled) = sortArguments(name, arguments) else { return nil }
        let function = aggregateFunction(name, positional, nameSpan)
        var keys: (ids: [FieldID], text: String)?
        if let by = required("by", labelled, name, nameSpan, example: "by: card_id") { keys = keyFields(by) }
        var window: (milliseconds: Int64, written: String)?
        if let over = required("over", labelled, name, nameSpan, example: "over: 5m") { window = self.window(over) }
        var checkedFilter: Typed?
        namedInFilter = []
        if let filter = labelled["where"] {
            checkedFilter = self.filter(filter.value)
            guard checkedFilter != nil else { return nil }
        }
        let contentTag = namedInFilter.sorted().map { " " + $0 + "#" + (vocabulary.contentDigests[$0] ?? "") }.joined()
        guard let function, let keys, let window else { return nil }
        let canonicalWindow = DurationText.canonical(milliseconds: window.milliseconds)
        let text = Self.canonicalText(name, function.text, keys.text, canonicalWindow, checkedFilter)
        // The `sum(…)` whose store of numbers would answer this aggregate too (see `WindowStateSpec`).
        let sumFields: [String] = switch function.value {
        case .sum, .average: function.text.map { [$0] } ?? []
        case .count: Vocabulary.alwaysPresentNumbers.sorted()
        case .minimum, .maximum, .distinct: []
        }
        let id = builder.aggregator(
            function.value, keys: keys.ids, window: window.milliseconds, filter: checkedFilter, canonicalText: text,
            contentTag: contentTag,
            written: (Self.canonicalText(name, function.text, keys.text, window.written, checkedFilter), window.written),
            sharableSums: sumFields.map { Self.canonicalText("sum", $0, keys.text, canonicalWindow, checkedFilter) + contentTag })
        if !aggregators.contains(id) { aggregators.append(id) }
        return Typed(node: .aggregate(id), type: .number, text: text)
    }

    /// Arguments in one fixed order, so `where:` before `over:` still names the same aggregator.
    /// With the window in its largest unit this names the aggregator; with the window as written
    /// it is the text people read in `vigil rules explain`.
    private static func canonicalText(
        _ name: String, _ field: String?, _ keys: String, _ window: String, _ filter: Typed?
    ) -> String {
        let parts = [field, "by: " + keys, "over: " + window]
            + [filter.map { "where: " + $0.text }]
        return name + "(" + parts.compactMap { $0 }.joined(separator: ", ") + ")"
    }

    private mutating func required(
        _ label: String, _ labelled: [String: Argument], _ name: String, _ nameSpan: Span, example: String
    ) -> Expression? {
        guard let argument = labelled[label] else {
            report(nameSpan, "\(name) needs \(label): (as in \(example))")
            return nil
        }
        return argument.value
    }

    private mutating func sortArguments(
        _ name: String, _ arguments: [Argument]
    ) -> (positional: [Expression], labelled: [String: Argument])? {
        var positional: [Expression] = []
        var labelled: [String: Argument] = [:]
        var valid = true
        for argument in arguments {
            guard let label = argument.label, let labelSpan = argument.labelSpan else {
                positional.append(argument.value)
                continue
            }
            if !Self.aggregateLabels.contains(label) {
                let hint = Suggestion.hint(for: label, among: Self.aggregateLabels)
                report(labelSpan, "unknown argument '\(label):' of \(name); it takes by:, over: and where:\(hint)")
                valid = false
            } else if labelled[label] != nil {
                report(labelSpan, "\(label): is given twice")
                valid = false
            } else {
                labelled[label] = argument
            }
        }
        return valid ? (positional, labelled) : nil
    }

    private mutating func aggregateFunction(
        _ name: String, _ positional: [Expression], _ nameSpan: Span
    ) -> (value: AggregateFunction, text: String?)? {
        if name == "count" {
            if let extra = positional.first {
                report(extra.span, "count takes no field, as in count(by: card_id, over: 5m)")
                return nil
            }
            return (.count, nil)
        }
        guard positional.count == 1 else {
            report(nameSpan, "\(name) needs one field to aggregate, as in \(name)(amount, by: card_id, over: 1h)")
            return nil
        }
        guard let field = aggregatedField(positional[0]) else { return nil }
        guard let make = Self.numberFunctions[name] else { return (.distinct(field.id), field.name) }
        guard field.type == .number else {
            report(positional[0].span, "\(name) needs a number field, but '\(field.name)' is \(Self.describe(field.type))")
            return nil
        }
        return (make(field.id), field.name)
    }

    /// Resolves a field read by an aggregator rather than directly by the rule.
    private mutating func aggregatedField(_ expression: Expression) -> (id: FieldID, name: String, type: ValueType)? {
        guard case .name(let name) = expression.kind else {
            report(expression.span, "expected a field name")
            return nil
        }
        let wasInsideFilter = insideFilter
        insideFilter = true
        defer { insideFilter = wasInsideFilter }
        guard let typed = field(name, expression.span, isValue: false), case .field(let id) = typed.node else { return nil }
        return (id, name, typed.type)
    }

    private mutating func keyFields(_ expression: Expression) -> (ids: [FieldID], text: String)? {
        var elements = [expression]
        if case .list(let list) = expression.kind { elements = list }
        guard !elements.isEmpty else {
            report(expression.span, "by: needs at least one field")
            return nil
        }
        let fields = elements.map { aggregatedField($0) }
        let resolved = fields.compactMap { $0 }
        guard resolved.count == elements.count else { return nil }
        var seen = Set<String>()
        for (element, field) in zip(elements, resolved) where !seen.insert(field.name).inserted {
            report(element.span, "\(field.name) appears twice in by:; a key names each field once")
            return nil
        }
        let names = resolved.map(\.name).joined(separator: ", ")
        return (resolved.map(\.id), resolved.count == 1 ? names : "[" + names + "]")
    }

    private mutating func window(_ expression: Expression) -> (milliseconds: Int64, written: String)? {
        guard case .duration(let milliseconds, let written) = expression.kind else {
            if case .number(let literal) = expression.kind {
                report(expression.span, "over: needs a duration, but " + DurationText.missingUnit(literal))
            } else {
                report(expression.span, "over: needs a duration such as 90s, 5m, 24h or 30d")
            }
            return nil
        }
        return milliseconds > 0 ? (milliseconds, written) : nil
    }

    private mutating func filter(_ expression: Expression) -> Typed? {
        let wasInsideFilter = insideFilter
        insideFilter = true
        defer { insideFilter = wasInsideFilter }
        guard let typed = check(expression) else { return nil }
        return require(.bool, typed, expression.span, "where: needs a condition")
    }
}
