import VigilValues

/// Turns checked expressions into closures built once per plan.
///
/// Each closure reads fields and aggregates by index from the frame's arrays: no name lookups,
/// no dictionaries (set membership aside) and no allocation per event. Missing values and
/// arithmetic overflow propagate as `nil`; `and`/`or` follow three-valued logic.
enum Evaluator {
    typealias Logic = @Sendable (_ fields: [Value?], _ aggregates: [Value?]) -> Bool?
    typealias Number = @Sendable (_ fields: [Value?], _ aggregates: [Value?]) -> ExactDecimal?
    typealias Text = @Sendable (_ fields: [Value?], _ aggregates: [Value?]) -> String?
    typealias Boxed = @Sendable (_ fields: [Value?], _ aggregates: [Value?]) -> Value?

    static func logic(_ expression: Typed) -> Logic {
        switch expression.node {
        case .constant(let value):
            let constant = boolean(value)
            return { _, _ in constant }
        case .field(let id):
            return { fields, _ in boolean(read(fields, id.index)) }
        case .not(let operand):
            let inner = logic(operand)
            return { fields, aggregates in inner(fields, aggregates).map(!) }
        case .logical(let isAnd, let left, let right):
            return isAnd ? and(logic(left), logic(right)) : or(logic(left), logic(right))
        case .comparison(let op, let left, let right):
            return comparison(op, left, right)
        case .membership(let element, let set, _, let negated):
            return membership(element, set, negated: negated)
        case .textTest(let test, let subject, let pattern):
            return compare(test.predicate, text(subject), text(pattern))
        case .aggregate, .negate, .arithmetic:
            return { _, _ in nil }
        }
    }

    static func number(_ expression: Typed) -> Number {
        switch expression.node {
        case .constant(let value):
            let constant = decimal(value)
            return { _, _ in constant }
        case .field(let id):
            return { fields, _ in decimal(read(fields, id.index)) }
        case .aggregate(let id):
            return { _, aggregates in decimal(read(aggregates, id.index)) }
        case .negate(let operand):
            let inner = number(operand)
            return { fields, aggregates in inner(fields, aggregates).flatMap { ExactDecimal.zero.subtracting($0) } }
        case .arithmetic(let op, let left, let right):
            return scaled(op, left, right) ?? arithmetic(op.operation, number(left), number(right))
        default:
            return { _, _ in nil }
        }
    }

    static func text(_ expression: Typed) -> Text {
        switch expression.node {
        case .constant(let value):
            let constant = string(value)
            return { _, _ in constant }
        case .field(let id):
            return { fields, _ in string(read(fields, id.index)) }
        default:
            return { _, _ in nil }
        }
    }

    /// Any expression as a boxed value; used only to explain alerts, never on the hot path.
    static func value(_ expression: Typed) -> Boxed {
        switch expression.type {
        case .number:
            let inner = number(expression)
            return { fields, aggregates in inner(fields, aggregates).map(Value.number) }
        case .string:
            let inner = text(expression)
            return { fields, aggregates in inner(fields, aggregates).map(Value.string) }
        case .bool:
            let inner = logic(expression)
            return { fields, aggregates in inner(fields, aggregates).map(Value.bool) }
        }
    }

    @inline(__always)
    static func read(_ values: [Value?], _ index: Int) -> Value? {
        index < values.count ? values[index] : nil
    }

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
