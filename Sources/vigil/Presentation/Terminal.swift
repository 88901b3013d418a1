import Glibc

/// Writes a line to standard error, where diagnostics and progress belong.
func printToStandardError(_ text: String) {
    var line = text.hasSuffix("\n") ? text : text + "\n"
    line.withUTF8 { buffer in
        var written = 0
        while written < buffer.count, let base = buffer.baseAddress {
            let result = write(STDERR_FILENO, base + written, buffer.count - written)
            guard result > 0 else { return }
            written += result
        }
    }
}

/// ANSI styling, only when standard output is a terminal and NO_COLOR is not set.
enum Style {
    static let isEnabled = isatty(STDOUT_FILENO) != 0 && getenv("NO_COLOR") == nil

    static func bold(_ text: String) -> String { wrap(text, "1") }
    static func dim(_ text: String) -> String { wrap(text, "2") }
    static func red(_ text: String) -> String { wrap(text, "31") }
    static func yellow(_ text: String) -> String { wrap(text, "33") }
    static func cyan(_ text: String) -> String { wrap(text, "36") }
    static func magenta(_ text: String) -> String { wrap(text, "35") }

    static func severity(_ severity: String) -> String {
        let padded = severity.padding(8)
        switch severity {
        case "critical": return bold(red(padded))
        case "high": return red(padded)
        case "medium": return yellow(padded)
        case "low": return cyan(padded)
        default: return dim(padded)
        }
    }

    private static func wrap(_ text: String, _ code: String) -> String {
        isEnabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

extension String {
    /// Pads with spaces (or cuts with an ellipsis) to exactly `width` characters.
    func padding(_ width: Int) -> String {
        if count > width { return String(prefix(max(0, width - 1))) + "…" }
        return self + String(repeating: " ", count: width - count)
    }
}
