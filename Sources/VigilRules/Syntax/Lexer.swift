import VigilValues

/// Splits an expression into tokens, collecting every bad character instead of stopping at one.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private(set) var issues: [ExpressionIssue] = []

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func tokenize(_ text: String) -> (tokens: [Token], issues: [ExpressionIssue]) {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while let token = lexer.next() {
            tokens.append(token)
        }
        tokens.append(Token(kind: .end, span: Span(start: lexer.scalars.count, length: 1)))
        return (tokens, lexer.issues)
    }

    private mutating func next() -> Token? {
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar.properties.isWhitespace {
                position += 1
            } else if let token = token(startingWith: scalar) {
                return token
            }
        }
        return nil
    }

    private mutating func token(startingWith scalar: Unicode.Scalar) -> Token? {
        if Self.isIdentifierStart(scalar) { return identifier() }
        if Self.isDigit(scalar) { return numberOrDuration() }
        if scalar == "\"" || scalar == "'" { return string(quote: scalar) }
        if let symbol = symbol() { return symbol }
        if let borrowed = borrowedOperator() { return borrowed }
        issues.append(ExpressionIssue(span: Span(start: position, length: 1), message: "unexpected character '\(scalar)'"))
        position += 1
        return nil
    }

    private mutating func identifier() -> Token {
        let start = position
        while position < scalars.count, Self.isIdentifierStart(scalars[position]) || Self.isDigit(scalars[position]) {
            position += 1
        }
        return Token(kind: .identifier(text(from: start)), span: span(from: start))
    }

    private mutating func numberOrDuration() -> Token {
        let start = position
        consumeDigits()
        if position + 1 < scalars.count, scalars[position] == ".", Self.isDigit(scalars[position + 1]) {
            position += 1
            consumeDigits()
        }
        if exponentFollows() { return exponent(start: start) }
        let digits = text(from: start)
        let unitStart = position
        while position < scalars.count, Self.isIdentifierStart(scalars[position]) { position += 1 }
        guard unitStart < position else { return Token(kind: .number(digits), span: span(from: start)) }
        let unit = text(from: unitStart)
        guard position < scalars.count, Self.isDigit(scalars[position]) else {
            return duration(DurationText.milliseconds(digits: digits, unit: unit), start: start)
        }
        // Further parts, larger units first, as durations are printed: `10m20s`.
        while position < scalars.count, Self.isDigit(scalars[position]) || Self.isIdentifierStart(scalars[position]) { position += 1 }
        return duration(DurationText.parse(text(from: start)), start: start)
    }

    private mutating func duration(_ milliseconds: Result<Int64, DurationText.Problem>, start: Int) -> Token {
        switch milliseconds {
        case .success(let milliseconds):
            return Token(kind: .duration(milliseconds, written: text(from: start)), span: span(from: start))
        case .failure(let problem):
            issues.append(ExpressionIssue(span: span(from: start), message: problem.message, isRecoverable: true))
            return Token(kind: .duration(0, written: text(from: start)), span: span(from: start))
        }
    }

    /// `e6`, `E+3` or `e-2` right after a number's digits, which would otherwise read as a duration unit.
    private func exponentFollows() -> Bool {
        guard position + 1 < scalars.count, scalars[position] == "e" || scalars[position] == "E" else { return false }
        let sign = scalars[position + 1] == "+" || scalars[position + 1] == "-" ? 1 : 0
        return position + 1 + sign < scalars.count && Self.isDigit(scalars[position + 1 + sign])
    }

    /// Reports scientific notation, which rule numbers do not have, with the plain number to write instead.
    private mutating func exponent(start: Int) -> Token {
        position += 1
        if scalars[position] == "+" || scalars[position] == "-" { position += 1 }
        consumeDigits()
        let literal = text(from: start)
        let plain = ExactDecimal(literal)
        let advice = plain.map { "; write \($0)" } ?? ", and \(literal) is out of range or has more than six decimal places"
        issues.append(ExpressionIssue(span: span(from: start), message: "exponents are not supported in numbers\(advice)", isRecoverable: true))
        return Token(kind: .number(plain?.description ?? "0"), span: span(from: start))
    }

    private mutating func string(quote: Unicode.Scalar) -> Token {
        let start = position
        position += 1
        var value = String.UnicodeScalarView()
        while position < scalars.count, scalars[position] != quote {
            if scalars[position] == "\\", position + 1 < scalars.count { position += 1 }
            value.append(scalars[position])
            position += 1
        }
        if position < scalars.count {
            position += 1
        } else {
            issues.append(ExpressionIssue(span: span(from: start), message: "string is missing its closing \(quote)"))
        }
        return Token(kind: .string(String(value)), span: span(from: start))
    }

    private static let symbols = ["==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", ":"]

    private mutating func symbol() -> Token? {
        for symbol in Self.symbols where matches(symbol) {
            let start = position
            position += symbol.unicodeScalars.count
            return Token(kind: .symbol(symbol), span: span(from: start))
        }
        return nil
    }

    /// Operators of other languages an analyst types from habit, with the token they stand for.
    private static let borrowedOperators: [(text: String, meaning: TokenKind, word: String)] = [
        ("&&", .identifier("and"), "and"), ("||", .identifier("or"), "or"),
        ("=", .symbol("=="), "== to compare"), ("!", .identifier("not"), "not"),
    ]

    /// Reports a borrowed operator with the one to write, and stands that one in, so the rest of
    /// the expression is still checked in the same round.
    private mutating func borrowedOperator() -> Token? {
        guard let borrowed = Self.borrowedOperators.first(where: { matches($0.text) }) else { return nil }
        let start = position
        position += borrowed.text.unicodeScalars.count
        let message = "'\(borrowed.text)' is not an operator; write \(borrowed.word)"
        issues.append(ExpressionIssue(span: span(from: start), message: message, isRecoverable: true))
        return Token(kind: borrowed.meaning, span: span(from: start))
    }

    private func matches(_ symbol: String) -> Bool {
        var index = position
        for scalar in symbol.unicodeScalars {
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
        }
        return true
    }

    private mutating func consumeDigits() {
        while position < scalars.count, Self.isDigit(scalars[position]) { position += 1 }
    }

    private func text(from start: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<position])
        return String(view)
    }

    private func span(from start: Int) -> Span {
        Span(start: start, length: position - start)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar >= "0" && scalar <= "9"
    }

    private static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
    }
}
