/// Reads a named list: one entry per line, `#` starts a comment, blank lines are ignored.
enum ListFile {
    /// A list's entries, and what looks like a mistake in its file.
    struct Contents {
        var entries = Set<String>()
        var warnings: [Diagnostic] = []
    }

    /// A list's or table's name is how rules refer to it (`country in high_risk_countries`,
    /// `large_payment_limit[currency]`), so it must be an identifier: an ASCII letter or `_`,
    /// then letters, digits and `_`.
    static func isUsableName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, isLetter(first) || first == "_" else { return false }
        return scalars.allSatisfy { isLetter($0) || $0 == "_" || ("0"..."9").contains($0) }
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func read(_ file: SourceFile) -> Contents {
        var contents = Contents()
        for (index, line) in file.lines.enumerated() {
            let content = line.prefix { $0 != "#" }
            guard let first = content.firstIndex(where: { !isBlank($0) }), let last = content.lastIndex(where: { !isBlank($0) }) else {
                continue
            }
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: content[first...last])
            let text = String(scalars)
            contents.entries.insert(text)
            if let warning = warning(about: text) {
                contents.warnings.append(
                    file.diagnostic(warning, line: index + 1, column: first + 1, length: last - first + 1, severity: .warning))
            }
        }
        return contents
    }

    /// Space between and around the words of a list or table line: any Unicode white space, since
    /// a no-break space pasted from a spreadsheet looks like a space and must act as one.
    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || !scalar.isASCII && scalar.properties.isWhitespace
    }

    /// Entries that are written as they would be in a rule are probably not what the file meant.
    static func warning(about entry: String) -> String? {
        if entry.unicodeScalars.contains("\u{FFFD}") {
            return "the entry is not valid UTF-8 text; it cannot match an event's field"
        }
        if entry.count >= 2, let first = entry.first, first == entry.last, first == "\"" || first == "'" {
            return "the quotes are part of the entry, so it matches only text with quotes; write it without them"
        }
        return nil
    }
}
