/// A position in a rule file, 1-based, with columns counted in Unicode scalars as YAML does.
/// Line 0 stands for the file as a whole (it cannot be read, say), and is not printed.
package struct SourceLocation: Sendable, Hashable {
    package let file: String
    package let line: Int
    package let column: Int

    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
}

/// Whether a finding blocks the rule set from loading.
package enum DiagnosticSeverity: String, Sendable {
    case error
    case warning
}

/// One finding about the rule files, precise enough for an analyst to fix it without guessing.
package struct Diagnostic: Sendable {
    package let severity: DiagnosticSeverity
    package let location: SourceLocation
    package let message: String
    /// The whole offending line as written, empty when the finding concerns no particular line.
    package let sourceLine: String
    /// How many characters the offending token spans (at least one).
    package let length: Int

    package init(
        severity: DiagnosticSeverity, location: SourceLocation, message: String, sourceLine: String, length: Int
    ) {
        self.severity = severity
        self.location = location
        self.message = message
        self.sourceLine = sourceLine
        self.length = max(1, length)
    }

    /// Compiler-style text: the position, the message, the quoted line and a caret under the token.
    package var rendered: String {
        let position = location.line > 0 ? ":\(location.line):\(location.column)" : ""
        let head = "\(location.file)\(position): \(severity.rawValue): \(message)"
        guard !sourceLine.isEmpty else { return head }
        return head + "\n  " + sourceLine + "\n  " + caretLine
    }

    /// Keeps tabs from the quoted line so the caret stays aligned in any terminal.
    private var caretLine: String {
        let padding = sourceLine.unicodeScalars.prefix(max(0, location.column - 1))
            .map { $0 == "\t" ? Character("\t") : Character(" ") }
        return String(padding) + "^" + String(repeating: "~", count: length - 1)
    }
}

/// Every finding of one compilation, so analysts fix a whole batch of mistakes per round trip.
package struct Diagnostics: Error, Sendable {
    package var items: [Diagnostic]

    package init(items: [Diagnostic]) {
        self.items = items
    }

    package var rendered: String {
        items.map(\.rendered).joined(separator: "\n")
    }
}
