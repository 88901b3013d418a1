import VigilValues

/// Turns checked expressions into closures built once per plan.
///
/// Each closure reads fields and aggregates by index from the frame's arrays: no name lookups,
/// no dictionaries (set membership aside) and no allocation per event. Missing values and
/// arithmetic overflow propagate as `nil`; `and`/`or` follow three-valued logic.
enum Evaluator<Input: EvaluationInput> {
    typealias Logic = @Sendable (_ input: Input) -> Bool?
    typealias Number = @Sendable (_ input: Input) -> ExactDecimal?
    typealias Text = @Sendable (_ input: Input) -> String?
    typealias Boxed = @Sendable (_ input: Input) -> Value?

    static func logic(_ expression: Typed) -> Logic {
        switch expression.node {
        case .constant(let value):
            let constant = Unbox.boolean(value)
            return { _ in constant }
        case .field(let id):
            return { input in Unbox.boolean(input.field(id.index)) }
        case .not(let operand):
            let inner = logic(operand)
            return { input in inner(input).map(!) }
        case .logical(let isAnd, let left, let right):
            return isAnd ? and(logic(left), logic(right)) : or(logic(left), logic(right))
        case .comparison(let op, let left, let right):
            return comparison(op, left, right)
        case .membership(let element, let set, _, let negated):
            return membership(element, set, negated: negated)
        case .textTest(let test, let subject, let pattern):
            return compare(test.predicate, text(subject), text(pattern))
        case .aggregate, .negate, .arithmetic, .lookup:
            return { _ in nil }
        }
    }

    static func number(_ expression: Typed) -> Number {
        switch expression.node {
        case .constant(let value):
            let constant = Unbox.decimal(value)
            return { _ in constant }
        case .field(let id):
            return { input in Unbox.decimal(input.field(id.index)) }
        case .aggregate(let id):
            return { input in Unbox.decimal(input.aggregate(id.index)) }
        case .negate(let operand):
            let inner = number(operand)
            return { input in inner(input).flatMap { ExactDecimal.zero.subtracting($0) } }
        case .arithmetic(let op, let left, let right):
            return scaled(op, left, right) ?? arithmetic(op.operation, number(left), number(right))
        case .lookup(let table, let key):
            let keyText = text(key)
            return { input in
                guard let key = keyText(input) else { return nil }
                return table.value(for: key)
            }
        default:
            return { _ in nil }
        }
    }

    static func text(_ expression: Typed) -> Text {
        switch expression.node {
        case .constant(let value):
            let constant = Unbox.string(value)
            return { _ in constant }
        case .field(let id):
            return { input in Unbox.string(input.field(id.index)) }
        default:
            return { _ in nil }
        }
    }

    /// Any expression as a boxed value; used only to explain alerts, never on the hot path.
    static func value(_ expression: Typed) -> Boxed {
        switch expression.type {
        case .number:
            let inner = number(expression)
            return { input in inner(input).map(Value.number) }
        case .string:
            let inner = text(expression)
            return { input in inner(input).map(Value.string) }
        case .bool:
            let inner = logic(expression)
            return { input in inner(input).map(Value.bool) }
        }
    }
}

/// Where compiled expressions read values from: a rule reads the engine's frame, a `where:`
/// filter reads the decoded fields alone. Evaluators are specialised per input type.
protocol EvaluationInput: SendableMetatype {
    func field(_ index: Int) -> Value?
    func aggregate(_ index: Int) -> Value?
}

extension EvaluationFrame: EvaluationInput {
    @inline(__always)
    func field(_ index: Int) -> Value? {
        index < fields.count ? fields[index] : nil
    }

    @inline(__always)
    func aggregate(_ index: Int) -> Value? {
        index < aggregates.count ? aggregates[index] : nil
    }
}

/// An event's decoded fields, for filters, which never read aggregates.
struct FieldValues: EvaluationInput {
    let values: [Value?]

    @inline(__always)
    func field(_ index: Int) -> Value? {
        index < values.count ? values[index] : nil
    }

    func aggregate(_ index: Int) -> Value? { nil }
}

/// Typed views of a value; a value of another type reads as missing.
enum Unbox {
    @inline(__always)
    static func decimal(_ value: Value?) -> ExactDecimal? {
        if case .number(let number)? = value { number } else { nil }
    }

    @inline(__always)
    static func string(_ value: Value?) -> String? {
        if case .string(let string)? = value { string } else { nil }
    }

    @inline(__always)
    static func boolean(_ value: Value?) -> Bool? {
        if case .bool(let bool)? = value { bool } else { nil }
    }
}
