import VigilValues

/// A checked expression: names resolved to table indices, every node typed.
struct Typed: Sendable {
    var node: Node
    var type: ValueType
    /// Normalised source of this sub-expression, for traces and aggregator identity.
    var text: String

    indirect enum Node: Sendable {
        case constant(Value)
        case field(FieldID)
        case aggregate(AggregatorID)
        case not(Typed)
        case negate(Typed)
        case logical(isAnd: Bool, Typed, Typed)
        case comparison(ComparisonOperator, Typed, Typed)
        case arithmetic(ArithmeticOperator, Typed, Typed)
        /// `setText` is the list as written (a literal or a list name), for alert explanations.
        case membership(Typed, MemberSet, setText: String, negated: Bool)
        case textTest(TextTest, Typed, Typed)
        /// A table read, `large_payment_limit[currency]`, with its string key.
        case lookup(LookupTable, key: Typed)
    }
}

enum ComparisonOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    var isEquality: Bool { self == .equal || self == .notEqual }

    /// Equality for types without an order; the checker allows only `==` and `!=` on them.
    func equality<T: Equatable & SendableMetatype>(_: T.Type) -> @Sendable (T, T) -> Bool {
        if self == .equal { return { $0 == $1 } }
        return { $0 != $1 }
    }

    /// The comparison itself, for closures that compare in place (a switch of a few instructions).
    @inline(__always)
    func holds<T: Comparable>(_ left: T, _ right: T) -> Bool {
        switch self {
        case .equal: left == right
        case .notEqual: left != right
        case .less: left < right
        case .lessOrEqual: left <= right
        case .greater: left > right
        case .greaterOrEqual: left >= right
        }
    }

    /// The comparison as a closure, for conditions that compare two computed values.
    func predicate<T: Comparable & SendableMetatype>(_: T.Type) -> @Sendable (T, T) -> Bool {
        { [self] in holds($0, $1) }
    }
}

enum ArithmeticOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    /// Overflow and division by zero yield `nil`, which makes the rule's outcome unknown.
    var operation: @Sendable (ExactDecimal, ExactDecimal) -> ExactDecimal? {
        switch self {
        case .add: { $0.adding($1) }
        case .subtract: { $0.subtracting($1) }
        case .multiply: { $0.multiplied(by: $1) }
        case .divide: { $0.divided(by: $1) }
        }
    }
}

/// String tests written as functions: `starts_with(card_id, "4111")`.
enum TextTest: String, Sendable, CaseIterable {
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    case contains

    var predicate: @Sendable (String, String) -> Bool {
        switch self {
        case .startsWith: { $0.hasPrefix($1) }
        case .endsWith: { $0.hasSuffix($1) }
        case .contains: { $0.contains($1) }
        }
    }
}

/// The right-hand side of `in`, held in the element type so lookups need no boxing.
enum MemberSet: Sendable {
    case strings(Set<String>)
    case numbers(Set<ExactDecimal>)
    case bools(Set<Bool>)
}
