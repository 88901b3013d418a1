import VigilValues

/// Resolves names and checks types of one rule's expression, collecting every error it finds.
///
/// A sub-expression with an error checks to `nil`; its parents then stay silent about it, so
/// one mistake yields one message rather than a cascade.
struct Checker {
    let vocabulary: Vocabulary
    let builder: PlanBuilder
    var issues: [ExpressionIssue] = []
    /// Fields the rule reads itself (not through an aggregate), in first-use order.
    var directFields: [FieldID] = []
    var aggregators: [AggregatorID] = []
    /// Table reads the rule makes itself (not in a filter), one per text, in first-use order.
    var lookups: [Typed] = []
    /// Every table the rule reads, filters included, by name in first-use order.
    var tables: [String] = []
    /// Every named list the rule reads, filters included, by name in first-use order.
    var lists: [String] = []
    /// True while checking a `where:` filter, whose fields belong to the aggregator.
    var insideFilter = false
    /// The lists and tables the filter being checked reads.
    var namedInFilter: Set<String> = []

    init(vocabulary: Vocabulary, builder: PlanBuilder) {
        self.vocabulary = vocabulary
        self.builder = builder
    }

    /// Checks a whole rule expression, which must be a condition whose aggregates one
    /// partitioning of the input can serve.
    mutating func checkCondition(_ expression: Expression) -> Typed? {
        guard let typed = check(expression) else { return nil }
        guard let condition = require(.bool, typed, expression.span, "a rule's expression must be a condition (true or false)") else {
            return nil
        }
        var keys: [[String]] = []
        for id in aggregators {
            let names = builder.keyFieldNames(of: id)
            if !keys.contains(names) { keys.append(names) }
        }
        if !keys.isEmpty, RulePlan.sharedFields(of: keys).isEmpty {
            let keyList = keys.map { "[\($0.joined(separator: ", "))]" }.joined(separator: " and ")
            return fail(
                expression.span,
                "this rule reads aggregates keyed by \(keyList), which share no field, so no partitioning of the input "
                    + "keeps each key's events together: split it into one rule per key")
        }
        return condition
    }

    mutating func check(_ expression: Expression) -> Typed? {
        let text = expression.canonicalText
        switch expression.kind {
        case .number(let literal): return number(literal, expression.span)
        case .string(let value): return Typed(node: .constant(.string(value)), type: .string, text: text)
        case .bool(let value): return Typed(node: .constant(.bool(value)), type: .bool, text: text)
        case .duration: return fail(expression.span, "a duration is only allowed as the over: of an aggregate")
        case .name(let name): return field(name, expression.span)
        case .list: return fail(expression.span, "a list [...] is only allowed after in, or as by: of an aggregate")
        case .not(let operand): return not(operand, text)
        case .negate(let operand): return negate(operand, text)
        case .binary(let op, let left, let right, let operatorSpan):
            return binary(op, check(left), check(right), operatorSpan, text, written: (left.kind, right.kind))
        case .membership(let negated, let element, let set): return membership(negated, element, set, text)
        case .call(let name, let nameSpan, let arguments): return call(name, nameSpan, arguments, text)
        case .lookup(let table, let tableSpan, let key): return lookup(table, tableSpan, key, text)
        }
    }

    mutating func fail(_ span: Span, _ message: String) -> Typed? {
        report(span, message)
        return nil
    }

    mutating func report(_ span: Span, _ message: String) {
        issues.append(ExpressionIssue(span: span, message: message))
    }

    mutating func require(_ type: ValueType, _ typed: Typed, _ span: Span, _ context: String) -> Typed? {
        guard typed.type != type else { return typed }
        return fail(span, "\(context), but this is \(Self.describe(typed.type))")
    }

    static func describe(_ type: ValueType) -> String {
        switch type {
        case .number: "a number"
        case .string: "a string"
        case .bool: "a condition (true or false)"
        }
    }

    private mutating func number(_ literal: String, _ span: Span) -> Typed? {
        guard let value = ExactDecimal(literal) else {
            return fail(span, "number \(literal) is out of range or has more than six decimal places")
        }
        return Typed(node: .constant(.number(value)), type: .number, text: value.description)
    }

    /// Resolves a field name, recording it as read by the rule or by the filter being checked.
    ///
    /// `isValue` is false where only a field fits (`by:` keys, an aggregate's field), so the
    /// advice for an unknown name never suggests a quoted string there.
    mutating func field(_ name: String, _ span: Span, isValue: Bool = true) -> Typed? {
        guard let type = vocabulary.fieldTypes[name] else {
            if vocabulary.lists[name] != nil {
                return fail(span, "'\(name)' is a named list; use it as: <field> in \(name)")
            }
            if vocabulary.tables[name] != nil {
                return fail(span, "'\(name)' is a table; read a value with a key in brackets, as in \(name)[currency]")
            }
            return fail(span, "unknown field '\(name)'\(unknownFieldAdvice(name, isValue: isValue))")
        }
        let id = builder.field(name, type: type)
        if !insideFilter, !directFields.contains(id) { directFields.append(id) }
        return Typed(node: .field(id), type: type, text: name)
    }

    /// A near-miss name when there is one, since a typo is the likeliest cause; otherwise how to
    /// declare the field, and, where a value fits, that quoting it compares with text instead.
    private func unknownFieldAdvice(_ name: String, isValue: Bool) -> String {
        let hint = Suggestion.hint(for: name, among: vocabulary.fieldTypes.keys)
        guard hint.isEmpty else { return hint }
        let declare = "; declare it under fields: (number, string or bool)"
        return isValue ? declare + ", or quote it to compare with text" : declare
    }

    private mutating func not(_ operand: Expression, _ text: String) -> Typed? {
        guard let inner = check(operand) else { return nil }
        guard require(.bool, inner, operand.span, "not needs a condition") != nil else { return nil }
        return Typed(node: .not(inner), type: .bool, text: text)
    }

    private mutating func negate(_ operand: Expression, _ text: String) -> Typed? {
        guard let inner = check(operand) else { return nil }
        guard require(.number, inner, operand.span, "'-' needs a number") != nil else { return nil }
        if case .constant(.number(let value)) = inner.node, let negated = ExactDecimal.zero.subtracting(value) {
            return Typed(node: .constant(.number(negated)), type: .number, text: negated.description)
        }
        return Typed(node: .negate(inner), type: .number, text: text)
    }

    /// - Parameter written: the operands as the analyst wrote them, for advice about quotes.
    private mutating func binary(
        _ op: BinaryOperator, _ left: Typed?, _ right: Typed?, _ span: Span, _ text: String,
        written: (Expression.Kind, Expression.Kind)
    ) -> Typed? {
        guard let left, let right else { return nil }
        if op.isLogical {
            guard left.type == .bool, right.type == .bool else {
                return fail(span, "'\(op.rawValue)' joins conditions, but its operands are \(Self.pair(left, right))")
            }
            return Typed(node: .logical(isAnd: op == .and, left, right), type: .bool, text: text)
        }
        if let arithmetic = ArithmeticOperator(rawValue: op.rawValue) {
            guard left.type == .number, right.type == .number else {
                return fail(span, "'\(op.rawValue)' needs numbers, but its operands are \(Self.pair(left, right))")
            }
            if arithmetic == .divide, case .constant(.number(let divisor)) = right.node, divisor == .zero {
                return fail(span, "division by zero: its value is unknown, so the rule could never fire")
            }
            return Typed(node: .arithmetic(arithmetic, left, right), type: .number, text: text)
        }
        return comparison(op, left, right, span, text, written: written)
    }

    private mutating func comparison(
        _ op: BinaryOperator, _ left: Typed, _ right: Typed, _ span: Span, _ text: String,
        written: (Expression.Kind, Expression.Kind)
    ) -> Typed? {
        guard let comparison = ComparisonOperator(rawValue: op.rawValue) else { return nil }
        guard left.type == right.type else {
            return fail(span, "cannot compare \(Self.pair(left, right))" + Self.quotingAdvice(written, left, right))
        }
        guard left.type == .number || comparison.isEquality else {
            return fail(span, "'\(op.rawValue)' orders numbers only; \(Self.describe(left.type)) allows == and !=")
        }
        return Typed(node: .comparison(comparison, left, right), type: .bool, text: text)
    }

    /// Advice when only quotes keep a literal from the other side's type: `amount == "100"` means
    /// the number, and `mcc == 5411` the text (written as typed, since a leading zero matters in text).
    private static func quotingAdvice(_ written: (Expression.Kind, Expression.Kind), _ left: Typed, _ right: Typed) -> String {
        for (literal, other) in [(written.1, left), (written.0, right)] {
            switch (literal, other.type) {
            case (.string(let text), .number) where ExactDecimal(text) != nil:
                return "; \(other.text) is a number, so write \(text) without quotes"
            case (.string(let text), .bool) where text == "true" || text == "false":
                return "; \(other.text) is true or false, so write \(text) without quotes"
            case (.number(let digits), .string):
                return "; \(other.text) is a string, so quote the number: \"\(digits)\""
            default:
                continue
            }
        }
        return ""
    }

    private static func pair(_ left: Typed, _ right: Typed) -> String {
        "\(describe(left.type)) and \(describe(right.type))"
    }
}
