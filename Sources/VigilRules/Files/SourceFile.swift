/// A rule file's text split into lines, to quote lines in diagnostics and to place carets.
struct SourceFile {
    let path: String
    let text: String
    let lines: [[Unicode.Scalar]]

    init(path: String, text: String) {
        self.path = path
        self.text = text
        lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.last == "\r" ? Array(line.dropLast()) : Array(line)
        }
    }

    /// Line `number` (1-based) as written, or empty when out of range.
    func text(ofLine number: Int) -> String {
        guard lines.indices.contains(number - 1) else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: lines[number - 1])
        return String(view)
    }

    func diagnostic(
        _ message: String, line: Int, column: Int, length: Int = 1, severity: DiagnosticSeverity = .error
    ) -> Diagnostic {
        Diagnostic(
            severity: severity, location: SourceLocation(file: path, line: line, column: column), message: message,
            sourceLine: text(ofLine: line), length: length)
    }
}

/// A position in a file, 1-based.
struct FilePosition: Equatable {
    var line: Int
    var column: Int
}

extension SourceFile {
    /// Where each Unicode scalar of a YAML scalar's value sits in the file.
    ///
    /// YAML drops quotes, escapes, block headers, indentation and folds line breaks, so value
    /// offsets are not file columns. This walks the file from the node's mark and matches the
    /// value scalar by scalar, skipping whatever YAML removed; a line break in the file matches
    /// the space or newline YAML turned it into. The result has one extra entry for the end.
    func positions(of value: String, from start: FilePosition) -> [FilePosition] {
        var cursor = FilePosition(line: start.line - 1, column: start.column - 1)
        var result: [FilePosition] = []
        for scalar in value.unicodeScalars {
            guard let found = match(scalar, from: &cursor) else { break }
            result.append(found)
        }
        let fallback = result.last.map { FilePosition(line: $0.line, column: $0.column + 1) } ?? start
        while result.count <= value.unicodeScalars.count { result.append(fallback) }
        return result
    }

    /// Scans forward at most a few lines; a `nil` means the value and the file disagree and positions stop being exact.
    private func match(_ scalar: Unicode.Scalar, from cursor: inout FilePosition) -> FilePosition? {
        let lastLine = min(lines.count, cursor.line + 64)
        while cursor.line < lastLine {
            let line = lines[cursor.line]
            if cursor.column >= line.count {
                let found = FilePosition(line: cursor.line + 1, column: cursor.column + 1)
                cursor = FilePosition(line: cursor.line + 1, column: 0)
                if scalar == "\n" || scalar == " " { return found }
                continue
            }
            let found = FilePosition(line: cursor.line + 1, column: cursor.column + 1)
            cursor.column += 1
            if line[cursor.column - 1] == scalar { return found }
        }
        return nil
    }
}
