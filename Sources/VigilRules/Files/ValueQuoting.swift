/// Lets analysts write `expression: count(by: card_id, over: 5m) > 5` without quotes.
///
/// Plain YAML forbids `: ` inside a value, yet named arguments need it. Before parsing, a
/// one-line `key: value` whose plain value contains `: ` (never valid YAML as it stands) is
/// wrapped in single quotes. The opening quote takes the place of the value's first column, so
/// YAML marks still point at the original text. Misspelt keys get the same treatment, so that
/// `expresion:` is reported as an unknown key rather than as a YAML syntax error.
enum ValueQuoting {
    static func prepare(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.map { quoteIfNeeded(String($0)) }.joined(separator: "\n")
    }

    private static func quoteIfNeeded(_ line: String) -> String {
        guard let keyEnd = keyEnd(line) else { return line }
        let afterKey = line[keyEnd...]
        let valueStart = afterKey.firstIndex { $0 != " " && $0 != "\t" } ?? line.endIndex
        let (value, comment) = splitComment(line[valueStart...])
        guard let first = value.first, !"\"'|>[{&*!%@`".contains(first), value.contains(": ") else { return line }
        let escaped = String(value.flatMap { $0 == "'" ? ["'", "'"] : [$0] })
        return String(line[..<valueStart]) + "'" + escaped + "'" + comment
    }

    /// The index after `key:` when the line starts with a simple key, optionally as a sequence item.
    private static func keyEnd(_ line: String) -> String.Index? {
        var rest = line.drop { $0 == " " }
        if rest.hasPrefix("- ") { rest = rest.dropFirst(2).drop { $0 == " " } }
        let key = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        guard !key.isEmpty, key.endIndex < line.endIndex, line[key.endIndex] == ":" else { return nil }
        let end = line.index(after: key.endIndex)
        guard end == line.endIndex || line[end] == " " || line[end] == "\t" else { return nil }
        return end
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
