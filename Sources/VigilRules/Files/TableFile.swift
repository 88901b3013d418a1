import VigilValues

/// Reads a lookup table: one `KEY VALUE` row per line, an optional default row `* VALUE`, `#`
/// comments and blank lines. Every malformed row is reported, each at its line and column.
enum TableFile {
    static let defaultKey = "*"

    static func read(_ file: SourceFile, name: String) -> (table: LookupTable, diagnostics: [Diagnostic]) {
        var reader = Reader(file: file)
        for (index, line) in file.lines.enumerated() {
            reader.read(line, number: index + 1)
        }
        let table = LookupTable(name: name, path: file.path, rows: reader.rows, defaultValue: reader.defaultRow?.value)
        return (table, reader.diagnostics)
    }

    /// A whitespace-separated word of a line and its 1-based column.
    private struct Word {
        var text: String
        var column: Int
        var length: Int { text.unicodeScalars.count }
    }

    private struct Reader {
        let file: SourceFile
        var rows: [String: ExactDecimal] = [:]
        var rowLines: [String: Int] = [:]
        var defaultRow: (value: ExactDecimal, line: Int)?
        var diagnostics: [Diagnostic] = []

        mutating func read(_ line: [Unicode.Scalar], number: Int) {
            let words = TableFile.words(of: line.prefix { $0 != "#" })
            guard let key = words.first else { return }
            guard words.count >= 2 else {
                let row = key.text == defaultKey ? "the default row" : "row '\(key.text)'"
                return report("\(row) has no value; write the key, then a number, as in \(key.text) 10000", key, number)
            }
            if words.count > 2 {
                return report("a row is one key and one number; '\(words[2].text)' is one word too many", words[2], number)
            }
            guard let value = ExactDecimal.plain(words[1].text) else {
                return report(TableFile.numberProblem(words[1].text), words[1], number)
            }
            if key.text == defaultKey {
                if let first = defaultRow {
                    return report("the table has a default row already, at line \(first.line)", key, number)
                }
                defaultRow = (value, number)
                return
            }
            if let first = rowLines[key.text] {
                return report("key '\(key.text)' has a row already, at line \(first)", key, number)
            }
            if let warning = ListFile.warning(about: key.text) {
                diagnostics.append(
                    file.diagnostic(warning, line: number, column: key.column, length: key.length, severity: .warning))
            }
            rows[key.text] = value
            rowLines[key.text] = number
        }

        private mutating func report(_ message: String, _ word: Word, _ line: Int) {
            diagnostics.append(file.diagnostic(message, line: line, column: word.column, length: word.length))
        }
    }

    private static func words(of line: some Collection<Unicode.Scalar>) -> [Word] {
        var words: [Word] = []
        var current = String.UnicodeScalarView()
        var start = 0
        for (offset, scalar) in line.enumerated() {
            guard ListFile.isBlank(scalar) else {
                if current.isEmpty { start = offset + 1 }
                current.append(scalar)
                continue
            }
            if !current.isEmpty { words.append(Word(text: String(current), column: start)) }
            current = String.UnicodeScalarView()
        }
        if !current.isEmpty { words.append(Word(text: String(current), column: start)) }
        return words
    }

    /// Why a value is not a number, with the number to write when the intent is plain.
    private static func numberProblem(_ text: String) -> String {
        let bare = text.filter { $0 != "," && $0 != "_" }
        if bare != text, ExactDecimal.plain(bare) != nil {
            return "'\(text)' is not a number; write it without separators: \(bare)"
        }
        if let exact = ExactDecimal(text) { return "'\(text)' is not a plain number; write \(exact)" }
        return "'\(text)' is not a number, or is out of range or has more than six decimal places; "
            + "write a value such as 1500000 or 0.25"
    }
}

extension ExactDecimal {
    /// `-?digits(.digits)?` and nothing else: table values have no exponents, unlike JSON numbers.
    static func plain(_ text: String) -> ExactDecimal? {
        let scalars = Array(text.unicodeScalars)
        let body = scalars.first == "-" ? scalars.dropFirst() : scalars[...]
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (part: ArraySlice<Unicode.Scalar>) in !part.isEmpty && part.allSatisfy { ("0"..."9").contains($0) } }
        guard parts.allSatisfy(isDigits) else { return nil }
        return ExactDecimal(text)
    }
}
