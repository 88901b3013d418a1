import VigilValues

extension Evaluator {
    /// `false` wins over unknown, so a rule with one decisive false condition stays quiet.
    static func and(_ left: @escaping Logic, _ right: @escaping Logic) -> Logic {
        { input in
            let lhs = left(input)
            if lhs == false { return false }
            let rhs = right(input)
            if rhs == false { return false }
            return lhs == nil || rhs == nil ? nil : true
        }
    }

    /// `true` wins over unknown, so one decisive true condition fires the rule.
    static func or(_ left: @escaping Logic, _ right: @escaping Logic) -> Logic {
        { input in
            let lhs = left(input)
            if lhs == true { return true }
            let rhs = right(input)
            if rhs == true { return true }
            return lhs == nil || rhs == nil ? nil : false
        }
    }

    static func comparison(_ op: ComparisonOperator, _ left: Typed, _ right: Typed) -> Logic {
        switch left.type {
        case .number:
            if case .constant(.number(let constant)) = right.node, let direct = against(constant, left, op) {
                return direct
            }
            return compare(op.predicate(ExactDecimal.self), number(left), number(right))
        case .string:
            if case .constant(.string(let constant)) = right.node, let direct = against(constant, left, op) {
                return direct
            }
            return compare(op.predicate(String.self), text(left), text(right))
        case .bool:
            return compare(op.equality(Bool.self), logic(left), logic(right))
        }
    }

    /// The common shapes `field op constant` and `aggregate op constant` become a single closure
    /// that unboxes and compares in place: calling a closure for each (as ``compare(_:_:_:)``
    /// does) cost more than the comparison, and these are most of the conditions of a rule set.
    private static func against<T: ComparedValue>(_ constant: T, _ left: Typed, _ op: ComparisonOperator) -> Logic? {
        switch left.node {
        case .field(let id):
            return { input in T(unboxing: input.field(id.index)).map { op.holds($0, constant) } }
        case .aggregate(let id):
            return { input in T(unboxing: input.aggregate(id.index)).map { op.holds($0, constant) } }
        default:
            return nil
        }
    }

    static func compare<T>(
        _ holds: @escaping @Sendable (T, T) -> Bool,
        _ left: @escaping @Sendable (Input) -> T?,
        _ right: @escaping @Sendable (Input) -> T?
    ) -> Logic {
        { input in
            guard let lhs = left(input), let rhs = right(input) else { return nil }
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
        _ members: Set<T>, _ element: @escaping @Sendable (Input) -> T?, _ negated: Bool
    ) -> Logic {
        // A short list is scanned, which beats hashing; a long one (a list file) is hashed.
        guard members.count > 8 else {
            let scanned = Array(members)
            return { input in element(input).map { scanned.contains($0) != negated } }
        }
        return { input in element(input).map { members.contains($0) != negated } }
    }

    /// `3 * avg(...)`: multiplying by a whole constant needs no rounding, so it skips 128-bit division.
    static func scaled(_ op: ArithmeticOperator, _ left: Typed, _ right: Typed) -> Number? {
        guard op == .multiply else { return nil }
        let (constant, other) = if case .constant = left.node { (left, right) } else { (right, left) }
        guard case .constant(.number(let factor)) = constant.node, factor.units % ExactDecimal.unitsPerOne == 0 else {
            return nil
        }
        let whole = factor.units / ExactDecimal.unitsPerOne
        let inner = number(other)
        return { input in
            guard let value = inner(input) else { return nil }
            let (product, overflow) = value.units.multipliedReportingOverflow(by: whole)
            return overflow ? nil : ExactDecimal(units: product)
        }
    }

    static func arithmetic(
        _ operation: @escaping @Sendable (ExactDecimal, ExactDecimal) -> ExactDecimal?,
        _ left: @escaping Number, _ right: @escaping Number
    ) -> Number {
        { input in
            guard let lhs = left(input), let rhs = right(input) else { return nil }
            return operation(lhs, rhs)
        }
    }
}

/// A value type a condition compares with a constant.
protocol ComparedValue: Comparable, Sendable {
    /// The value when `value` holds one of this type.
    init?(unboxing value: Value?)
}

extension ExactDecimal: ComparedValue {
    @inline(__always)
    init?(unboxing value: Value?) {
        guard let number = Unbox.decimal(value) else { return nil }
        self = number
    }
}

extension String: ComparedValue {
    @inline(__always)
    init?(unboxing value: Value?) {
        guard let string = Unbox.string(value) else { return nil }
        self = string
    }
}
