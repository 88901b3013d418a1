import VigilValues

extension Evaluator {
    /// `false` wins over unknown, so a rule with one decisive false condition stays quiet.
    static func and(_ left: @escaping Logic, _ right: @escaping Logic) -> Logic {
        { fields, aggregates in
            let lhs = left(fields, aggregates)
            if lhs == false { return false }
            let rhs = right(fields, aggregates)
            if rhs == false { return false }
            return lhs == nil || rhs == nil ? nil : true
        }
    }

    /// `true` wins over unknown, so one decisive true condition fires the rule.
    static func or(_ left: @escaping Logic, _ right: @escaping Logic) -> Logic {
        { fields, aggregates in
            let lhs = left(fields, aggregates)
            if lhs == true { return true }
            let rhs = right(fields, aggregates)
            if rhs == true { return true }
            return lhs == nil || rhs == nil ? nil : false
        }
    }

    static func comparison(_ op: ComparisonOperator, _ left: Typed, _ right: Typed) -> Logic {
        switch left.type {
        case .number: numberComparison(op, left, right)
        case .string: compare(op.predicate(String.self), text(left), text(right))
        case .bool: compare(op.equality(Bool.self), logic(left), logic(right))
        }
    }

    /// The common shapes `field op constant` and `aggregate op constant` become a single closure.
    private static func numberComparison(_ op: ComparisonOperator, _ left: Typed, _ right: Typed) -> Logic {
        let holds = op.predicate(ExactDecimal.self)
        guard case .constant(.number(let constant)) = right.node else {
            return compare(holds, number(left), number(right))
        }
        switch left.node {
        case .field(let id):
            return { fields, _ in decimal(read(fields, id.index)).map { holds($0, constant) } }
        case .aggregate(let id):
            return { _, aggregates in decimal(read(aggregates, id.index)).map { holds($0, constant) } }
        default:
            let inner = number(left)
            return { fields, aggregates in inner(fields, aggregates).map { holds($0, constant) } }
        }
    }

    static func compare<T>(
        _ holds: @escaping @Sendable (T, T) -> Bool,
        _ left: @escaping @Sendable ([Value?], [Value?]) -> T?,
        _ right: @escaping @Sendable ([Value?], [Value?]) -> T?
    ) -> Logic {
        { fields, aggregates in
            guard let lhs = left(fields, aggregates), let rhs = right(fields, aggregates) else { return nil }
            return holds(lhs, rhs)
        }
    }

    static func membership(_ element: Typed, _ set: MemberSet, negated: Bool) -> Logic {
        switch set {
        case .strings(let members): contains(members, text(element), negated)
        case .numbers(let members): contains(members, number(element), negated)
        case .bools(let members): contains(members, logic(element), negated)
        }
    }

    private static func contains<T: Hashable & Sendable>(
        _ members: Set<T>, _ element: @escaping @Sendable ([Value?], [Value?]) -> T?, _ negated: Bool
    ) -> Logic {
        { fields, aggregates in element(fields, aggregates).map { members.contains($0) != negated } }
    }

    static func arithmetic(
        _ operation: @escaping @Sendable (ExactDecimal, ExactDecimal) -> ExactDecimal?,
        _ left: @escaping Number, _ right: @escaping Number
    ) -> Number {
        { fields, aggregates in
            guard let lhs = left(fields, aggregates), let rhs = right(fields, aggregates) else { return nil }
            return operation(lhs, rhs)
        }
    }
}
