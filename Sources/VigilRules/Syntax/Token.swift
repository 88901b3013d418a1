/// A stretch of an expression, in Unicode scalars from its start, so it maps onto YAML columns.
struct Span: Hashable, Sendable {
    var start: Int
    var length: Int

    /// The smallest span covering both, for errors about a whole sub-expression.
    func union(_ other: Span) -> Span {
        let lower = min(start, other.start)
        let upper = max(start + length, other.start + other.length)
        return Span(start: lower, length: upper - lower)
    }
}

/// A syntax error, or any finding, inside one expression; the compiler places it in the file.
struct ExpressionIssue: Error, Sendable {
    var span: Span
    var message: String
    /// A token that is well formed but whose value is refused (a duration out of range, a number
    /// with an exponent): the lexer stands a harmless value in, so parsing and checking go on and
    /// the rule's other mistakes are reported in the same round.
    var isRecoverable = false
}

enum TokenKind: Equatable, Sendable {
    case identifier(String)
    case number(String)
    /// A window such as `5m`, in milliseconds and as written (`24h` stays `24h` where people read it).
    case duration(Int64, written: String)
    case string(String)
    case symbol(String)
    case end
}

struct Token: Sendable {
    var kind: TokenKind
    var span: Span

    var symbol: String? {
        if case .symbol(let text) = kind { text } else { nil }
    }

    var identifier: String? {
        if case .identifier(let name) = kind { name } else { nil }
    }
}
