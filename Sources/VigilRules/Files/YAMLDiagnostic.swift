import Yams

extension SourceFile {
    /// A YAML error where the analyst can fix it, with the line quoted.
    ///
    /// The parser reports where it noticed the problem; when that is the end of the file (a quote
    /// or bracket never closed), the place where the unfinished construct began is the useful one.
    /// A duplicated key is placed on its second occurrence, which is usually where a list entry
    /// lost its `- ` and ran into the entry before it.
    func yamlDiagnostic(_ error: any Error) -> Diagnostic {
        guard let yamlError = error as? YamlError else {
            return diagnostic("cannot read YAML: \(error)", line: 1, column: 1)
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            if let context, mark.line > lastLineWithText {
                return diagnostic(
                    "invalid YAML: \(problem) \(context.text), which starts here", line: context.mark.line, column: context.mark.column)
            }
            let message = "invalid YAML: \(problem)" + (context.map { " (\($0.text))" } ?? "")
            return diagnostic(message, line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            // The repeat that comes first in the file is where the mapping's second half begins.
            let repeats = duplicates.compactMap { key in secondOccurrence(ofKey: key, inMappingAt: context.mark).map { (key, $0) } }
            let earliest = repeats.min { $0.1.line < $1.1.line }
            let first = earliest?.0 ?? duplicates.first ?? ""
            let others = duplicates.filter { $0 != first }
            let also = others.isEmpty ? "" : " (so do '\(others.joined(separator: "', '"))')"
            let message = "key '\(first)' appears twice in the same mapping\(also)"
            guard let second = earliest?.1 else {
                return diagnostic(message, line: context.mark.line, column: context.mark.column)
            }
            return diagnostic(
                message + "; if a new entry starts here, its '- ' is missing", line: second.line, column: second.column,
                length: first.unicodeScalars.count)
        default:
            return diagnostic("invalid YAML: \(yamlError)", line: 1, column: 1)
        }
    }

    /// The last line that holds anything but whitespace.
    private var lastLineWithText: Int {
        (lines.lastIndex { line in line.contains { !$0.properties.isWhitespace } } ?? 0) + 1
    }

    /// Where `key` is written a second time among the keys of the block mapping that starts at
    /// `start`, looking only at lines indented like the mapping's first key.
    private func secondOccurrence(ofKey key: String, inMappingAt start: Yams.Mark) -> (line: Int, column: Int)? {
        let column = start.column
        var seen = 0
        for number in stride(from: max(start.line, 1), through: lines.count, by: 1) {
            let line = lines[number - 1]
            guard line.count >= column - 1 + key.unicodeScalars.count + 1 else { continue }
            let indent = line.prefix(column - 1)
            // The mapping's first line may begin with the `- ` of its list entry.
            guard indent.allSatisfy({ $0 == " " || $0 == "-" }) else { continue }
            let rest = line.dropFirst(column - 1)
            guard rest.starts(with: key.unicodeScalars), rest.dropFirst(key.unicodeScalars.count).first == ":" else { continue }
            seen += 1
            if seen == 2 { return (number, column) }
        }
        return nil
    }
}
