import VigilValues

extension Checker {
    static let aggregateNames = ["count", "sum", "avg", "min", "max", "distinct"]

    mutating func call(
        _ name: String, _ nameSpan: Span, _ arguments: [Argument], _ text: String
    ) -> Typed? {
        if let test = TextTest(rawValue: name) { return textTest(test, nameSpan, arguments, text) }
        if Self.aggregateNames.contains(name) { return aggregate(name, nameSpan, arguments) }
        let known = Self.aggregateNames + TextTest.allCases.map(\.rawValue)
        return fail(nameSpan, "unknown function '\(name)'\(Suggestion.hint(for: name, among: known))")
    }

    private mutating func textTest(_ test: TextTest, _ nameSpan: Span, _ arguments: [Argument], _ text: String) -> Typed? {
        if let labelled = arguments.first(where: { $0.label != nil }), let labelSpan = labelled.labelSpan {
            return fail(labelSpan, "\(test.rawValue) takes no labels: \(test.rawValue)(field, \"text\")")
        }
        guard arguments.count == 2 else {
            return fail(nameSpan, "\(test.rawValue) takes two strings, as in \(test.rawValue)(card_id, \"4111\")")
        }
        let subject = textArgument(arguments[0].value, test)
        let pattern = textArgument(arguments[1].value, test)
        guard let subject, let pattern else { return nil }
        return Typed(node: .textTest(test, subject, pattern), type: .bool, text: text)
    }

    private mutating func textArgument(_ argument: Expression, _ test: TextTest) -> Typed? {
        guard let typed = check(argument) else { return nil }
        return require(.string, typed, argument.span, "\(test.rawValue) needs a string")
    }
}
