/// Recursive-descent parser for rule expressions.
///
/// Precedence, loosest first: `or`, `and`, `not`, comparisons and `in`, `+ -`, `* /`, unary minus.
/// A syntax error ends the parse of that one expression; other rules are still checked.
/// Length and nesting are bounded so that hostile text cannot exhaust the stack in any later pass.
struct Parser {
    private static let maximumTokens = 2_000
    private static let maximumDepth = 64

    private let tokens: [Token]
    private var index = 0
    private var depth = 0

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// The expression, or every lexical error, or the first syntax error. Refused values
    /// (``ExpressionIssue/isRecoverable``) come with the expression, so that it is still checked.
    static func parse(_ text: String) -> (expression: Expression?, issues: [ExpressionIssue]) {
        let (tokens, lexIssues) = Lexer.tokenize(text)
        guard lexIssues.allSatisfy(\.isRecoverable) else { return (nil, lexIssues) }
        guard tokens.count <= maximumTokens else {
            let message = "expression is too long (over \(maximumTokens) tokens); split it into several rules"
            return (nil, [ExpressionIssue(span: Span(start: 0, length: 1), message: message)])
        }
        var parser = Parser(tokens: tokens)
        do throws(ExpressionIssue) {
            let expression = try parser.parseOr()
            guard case .end = parser.current.kind else { throw parser.unexpected("an operator such as and, or, ==") }
            return (expression, lexIssues)
        } catch {
            return (nil, lexIssues + [error])
        }
    }

    private var current: Token { tokens[min(index, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let token = current
        index += 1
        return token
    }

    private mutating func parseOr() throws(ExpressionIssue) -> Expression {
        try enterNesting()
        defer { depth -= 1 }
        var left = try parseAnd()
        while let keyword = current.identifier, keyword == "or" {
            let operatorSpan = advance().span
            left = binary(.or, left, try parseAnd(), operatorSpan)
        }
        return left
    }

    private mutating func parseAnd() throws(ExpressionIssue) -> Expression {
        var left = try parseNot()
        while let keyword = current.identifier, keyword == "and" {
            let operatorSpan = advance().span
            left = binary(.and, left, try parseNot(), operatorSpan)
        }
        return left
    }

    private mutating func parseNot() throws(ExpressionIssue) -> Expression {
        guard current.identifier == "not" else { return try parseComparison() }
        let start = advance().span
        try enterNesting()
        defer { depth -= 1 }
        let operand = try parseNot()
        return Expression(kind: .not(operand), span: start.union(operand.span))
    }

    private mutating func parseComparison() throws(ExpressionIssue) -> Expression {
        let left = try parseBinary(minimumPrecedence: 5)
        if let negated = membershipKeyword() {
            let set = try parseBinary(minimumPrecedence: 5)
            if let next = binaryOperator(), next.isComparison {
                throw ExpressionIssue(
                    span: current.span,
                    message: "a membership test cannot be compared again; write `not in` for the opposite, and join other tests with and")
            }
            return Expression(kind: .membership(negated: negated, left, set), span: left.span.union(set.span))
        }
        guard let op = binaryOperator(), op.isComparison else { return left }
        let operatorSpan = advance().span
        let right = try parseBinary(minimumPrecedence: 5)
        if let next = binaryOperator(), next.isComparison {
            throw ExpressionIssue(span: current.span, message: "comparisons cannot be chained; join them with and")
        }
        return binary(op, left, right, operatorSpan)
    }

    /// Consumes `in` or `not in`, telling which.
    private mutating func membershipKeyword() -> Bool? {
        if current.identifier == "in" {
            index += 1
            return false
        }
        guard current.identifier == "not", tokens.indices.contains(index + 1), tokens[index + 1].identifier == "in" else {
            return nil
        }
        index += 2
        return true
    }

    private mutating func parseBinary(minimumPrecedence: Int) throws(ExpressionIssue) -> Expression {
        var left = try parseUnary()
        while let op = binaryOperator(), op.isArithmetic, op.precedence >= minimumPrecedence {
            let operatorSpan = advance().span
            let right = try parseBinary(minimumPrecedence: op.precedence + 1)
            left = binary(op, left, right, operatorSpan)
        }
        return left
    }

    private mutating func parseUnary() throws(ExpressionIssue) -> Expression {
        guard current.symbol == "-" else { return try parsePrimary() }
        let start = advance().span
        try enterNesting()
        defer { depth -= 1 }
        let operand = try parseUnary()
        return Expression(kind: .negate(operand), span: start.union(operand.span))
    }

    private mutating func enterNesting() throws(ExpressionIssue) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw ExpressionIssue(span: current.span, message: "expression nests too deeply (over \(Self.maximumDepth) levels)")
        }
    }

    private func binaryOperator() -> BinaryOperator? {
        switch current.kind {
        case .symbol(let text): BinaryOperator(rawValue: text)
        case .identifier(let word) where word == "and" || word == "or": BinaryOperator(rawValue: word)
        default: nil
        }
    }

    private func binary(_ op: BinaryOperator, _ left: Expression, _ right: Expression, _ span: Span) -> Expression {
        Expression(kind: .binary(op, left, right, operatorSpan: span), span: left.span.union(right.span))
    }

    func unexpected(_ expectation: String) -> ExpressionIssue {
        let found: String
        switch current.kind {
        case .end: found = "end of expression"
        case .identifier(let name): found = "'\(name)'"
        case .symbol(let symbol): found = "'\(symbol)'"
        case .number(let text): found = "'\(text)'"
        case .string(let text): found = "\"\(text)\""
        case .duration(_, let written): found = "'\(written)'"
        }
        return ExpressionIssue(span: current.span, message: "expected \(expectation), found \(found)")
    }
}

extension Parser {
    private static let keywords: Set<String> = ["and", "or", "not", "in"]

    private mutating func parsePrimary() throws(ExpressionIssue) -> Expression {
        let token = current
        switch token.kind {
        case .number(let text): return literal(.number(text), token)
        case .string(let text): return literal(.string(text), token)
        case .duration(let milliseconds, let written): return literal(.duration(milliseconds, written: written), token)
        case .identifier(let name) where !Self.keywords.contains(name): return try parseName(name, token)
        case .symbol("("): return try parseParenthesised()
        case .symbol("["): return try parseList()
        default: throw unexpected("a value, field name or '('")
        }
    }

    private mutating func literal(_ kind: Expression.Kind, _ token: Token) -> Expression {
        index += 1
        return Expression(kind: kind, span: token.span)
    }

    private mutating func parseName(_ name: String, _ token: Token) throws(ExpressionIssue) -> Expression {
        index += 1
        if name == "true" || name == "false" { return Expression(kind: .bool(name == "true"), span: token.span) }
        if current.symbol == "[" { return try parseLookup(name, token) }
        guard current.symbol == "(" else { return Expression(kind: .name(name), span: token.span) }
        index += 1
        let arguments = try parseArguments()
        let close = try expect(")", "',' or ')'")
        return Expression(kind: .call(name: name, nameSpan: token.span, arguments: arguments), span: token.span.union(close))
    }

    /// `table[key]`, the `[` being current.
    private mutating func parseLookup(_ name: String, _ token: Token) throws(ExpressionIssue) -> Expression {
        index += 1
        guard current.symbol != "]" else { throw unexpected("a key, as in \(name)[currency]") }
        let key = try parseOr()
        let close = try expect("]", "']' after the key")
        return Expression(kind: .lookup(table: name, tableSpan: token.span, key: key), span: token.span.union(close))
    }

    private mutating func parseArguments() throws(ExpressionIssue) -> [Argument] {
        var arguments: [Argument] = []
        guard current.symbol != ")" else { return arguments }
        repeat {
            arguments.append(try parseArgument())
        } while consume(",")
        return arguments
    }

    private mutating func parseArgument() throws(ExpressionIssue) -> Argument {
        guard let label = current.identifier, tokens.indices.contains(index + 1), tokens[index + 1].symbol == ":" else {
            return Argument(label: nil, labelSpan: nil, value: try parseOr())
        }
        let labelSpan = current.span
        index += 2
        return Argument(label: label, labelSpan: labelSpan, value: try parseOr())
    }

    private mutating func parseParenthesised() throws(ExpressionIssue) -> Expression {
        let open = advance().span
        var inner = try parseOr()
        let close = try expect(")", "')'")
        inner.span = open.union(close)
        return inner
    }

    private mutating func parseList() throws(ExpressionIssue) -> Expression {
        let open = advance().span
        var elements: [Expression] = []
        if current.symbol != "]" {
            repeat {
                elements.append(try parseBinary(minimumPrecedence: 5))
            } while consume(",")
        }
        let close = try expect("]", "',' or ']'")
        return Expression(kind: .list(elements), span: open.union(close))
    }

    private mutating func consume(_ symbol: String) -> Bool {
        guard current.symbol == symbol else { return false }
        index += 1
        return true
    }

    private mutating func expect(_ symbol: String, _ description: String) throws(ExpressionIssue) -> Span {
        guard current.symbol == symbol else { throw unexpected(description) }
        return advance().span
    }
}
