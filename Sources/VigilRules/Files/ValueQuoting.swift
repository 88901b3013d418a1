/// Lets analysts write `expression: count(by: card_id, over: 5m) > 5` without quotes.
///
/// Plain YAML forbids `: ` inside a value, yet named arguments need it, and cuts a value at ` #`,
/// which a string literal of an expression may hold (`merchant_id == "shop #1"`). Before parsing,
/// a one-line `key: value` whose plain value contains `: `, or an `expression:` whose plain value
/// holds ` #` inside a string, is wrapped in single quotes. The opening quote takes the place of the value's first column, so
/// YAML marks still point at the original text. Misspelt keys get the same treatment, so that
/// `expresion:` is reported as an unknown key rather than as a YAML syntax error.
/// Lines inside a block scalar (`|` or `>`) are text, not keys, and are left alone.
enum ValueQuoting {
    static func prepare(_ text: String) -> String {
        var blockKeyColumn: Int?
        var result: [String] = []
        for slice in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(slice)
            if let column = blockKeyColumn, isBlank(line) || indentation(line) > column {
                result.append(line)
                continue
            }
            blockKeyColumn = nil
            guard let key = simpleKey(line) else {
                result.append(line)
                continue
            }
            let valueStart = line[key.end...].firstIndex { $0 != " " && $0 != "\t" } ?? line.endIndex
            let (value, comment) = splitComment(line[valueStart...])
            if value.first == "|" || value.first == ">" { blockKeyColumn = key.column }
            let isExpression = line[line.index(line.startIndex, offsetBy: key.column)...].hasPrefix("expression:")
            result.append(needsQuotes(value, isExpression: isExpression) ? quoted(line, valueStart, value, comment) : line)
        }
        return result.joined(separator: "\n")
    }

    /// - Parameter isExpression: whether the key is `expression:`, where a ` #` left in the value
    ///   is inside a string literal (`splitComment` took off the comment) and plain YAML would cut
    ///   the value there. Elsewhere (a description, say) an apostrophe is not a quote, and a
    ///   comment after it must stay a comment.
    private static func needsQuotes(_ value: String, isExpression: Bool) -> Bool {
        guard let first = value.first, !"\"'|>[{&*!%@`".contains(first) else { return false }
        return value.contains(": ") || isExpression && (value.contains(" #") || value.contains("\t#"))
    }

    private static func quoted(_ line: String, _ valueStart: String.Index, _ value: String, _ comment: String) -> String {
        let escaped = String(value.flatMap { $0 == "'" ? ["'", "'"] : [$0] })
        return String(line[..<valueStart]) + "'" + escaped + "'" + comment
    }

    /// The key's column and the index after `key:` when the line starts with a simple key,
    /// optionally as a sequence item.
    private static func simpleKey(_ line: String) -> (column: Int, end: String.Index)? {
        var rest = line.drop { $0 == " " }
        if rest.hasPrefix("- ") { rest = rest.dropFirst(2).drop { $0 == " " } }
        let key = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        guard !key.isEmpty, key.endIndex < line.endIndex, line[key.endIndex] == ":" else { return nil }
        let end = line.index(after: key.endIndex)
        guard end == line.endIndex || line[end] == " " || line[end] == "\t" else { return nil }
        return (line.distance(from: line.startIndex, to: key.startIndex), end)
    }

    private static func indentation(_ line: String) -> Int {
        line.prefix { $0 == " " }.count
    }

    private static func isBlank(_ line: String) -> Bool {
        line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
    }

    /// Splits off a ` #` comment that is not inside a string literal, trimming trailing blanks.
    private static func splitComment(_ text: Substring) -> (value: String, comment: String) {
        var quote: Character?
        var previous: Character = " "
        for index in text.indices {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#", previous == " " || previous == "\t" {
                return (trimmed(text[..<index]), " " + text[index...])
            }
            previous = character
        }
        return (trimmed(text), "")
    }

    private static func trimmed(_ text: Substring) -> String {
        var end = text.endIndex
        while end > text.startIndex, " \t\r".contains(text[text.index(before: end)]) {
            end = text.index(before: end)
        }
        return String(text[..<end])
    }
}
