import VigilValues

/// Normalised source text: single spaces, minimal parentheses, durations in their largest unit.
///
/// Aggregators are shared, and their state kept across reloads, by this text; it must therefore
/// not change when an analyst merely reformats a rule.
extension Expression {
    var canonicalText: String {
        switch kind {
        case .number(let text): ExactDecimal(text).map(\.description) ?? text
        case .string(let text): Self.quoted(text)
        case .bool(let value): value ? "true" : "false"
        case .duration(let milliseconds, _): DurationText.canonical(milliseconds: milliseconds)
        case .name(let name): name
        case .list(let elements): "[" + elements.map(\.canonicalText).joined(separator: ", ") + "]"
        case .not(let operand): "not " + operand.text(within: 3)
        case .negate(let operand): "-" + operand.text(within: 7)
        case .binary(let op, let left, let right, _):
            // Comparisons do not chain, so a comparison on their left needs parentheses too.
            left.text(within: op.isComparison ? 5 : op.precedence) + " \(op.rawValue) "
                + right.text(within: op.precedence + 1)
        case .membership(let negated, let element, let set):
            element.text(within: 5) + (negated ? " not in " : " in ") + set.text(within: 5)
        case .call(let name, _, let arguments):
            name + "(" + arguments.map(\.canonicalText).joined(separator: ", ") + ")"
        case .lookup(let table, _, let key): table + "[" + key.canonicalText + "]"
        }
    }

    /// How tightly this expression binds, to decide whether it needs parentheses.
    private var precedence: Int {
        switch kind {
        case .binary(let op, _, _, _): op.precedence
        case .not: 3
        case .membership: 4
        default: 8
        }
    }

    private func text(within required: Int) -> String {
        precedence < required ? "(" + canonicalText + ")" : canonicalText
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}

extension Argument {
    var canonicalText: String {
        guard let label else { return value.canonicalText }
        if label == "by", case .list(let keys) = value.kind, keys.count == 1 {
            return "by: " + keys[0].canonicalText
        }
        return label + ": " + value.canonicalText
    }
}
