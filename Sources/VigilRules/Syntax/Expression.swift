/// An expression as written, before names are resolved or types checked.
struct Expression: Sendable {
    var kind: Kind
    /// Where the whole expression sits in its source text.
    var span: Span

    indirect enum Kind: Sendable {
        /// The literal's text, read exactly later so errors can quote it.
        case number(String)
        case string(String)
        case bool(Bool)
        /// In milliseconds, and as written for people to read (`24h`, where the canonical text says `1d`).
        case duration(Int64, written: String)
        case name(String)
        case list([Expression])
        case not(Expression)
        case negate(Expression)
        /// `op` is kept with its own span so errors can point at the operator itself.
        case binary(BinaryOperator, Expression, Expression, operatorSpan: Span)
        case membership(negated: Bool, Expression, Expression)
        case call(name: String, nameSpan: Span, arguments: [Argument])
        /// A read of a lookup table, `large_payment_limit[currency]`.
        case lookup(table: String, tableSpan: Span, key: Expression)
    }
}

struct Argument: Sendable {
    var label: String?
    var labelSpan: Span?
    var value: Expression
}

enum BinaryOperator: String, Sendable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    /// Binding strength: `or` < `and` < comparison < `+ -` < `* /`; `not` sits between `and` and comparison.
    var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: 4
        case .add, .subtract: 5
        case .multiply, .divide: 6
        }
    }

    var isComparison: Bool { precedence == 4 }
    var isLogical: Bool { precedence <= 2 }
    var isArithmetic: Bool { precedence >= 5 }
}
