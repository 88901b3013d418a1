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
    /// The text with every character that could steer a terminal written out instead: control
    /// characters (`\x1B`, `\x0A`, …), bidirectional marks and overrides (`\u{202E}`) and line
    /// separators. Payment fields come from upstream producers, and an alert or dead letter shown
    /// must not set the operator's window title, clear the screen or forge a row.
    var terminalSafe: String {
        replacingScalars(where: Self.steersTerminal) { hex, value in
            value < 0x100 ? "\\x" + String(repeating: "0", count: max(0, 2 - hex.count)) + hex : "\\u{" + hex + "}"
        }
    }

    /// A JSON text that means the same, with the characters of ``terminalSafe`` that JSON lets a
    /// string hold raw (DEL, C1 controls, bidirectional marks and overrides, line separators)
    /// written as `\uXXXX`. Valid JSON holds other controls only escaped, or as whitespace
    /// between tokens, where an escape would break it.
    var jsonTerminalSafe: String {
        replacingScalars(where: { $0.value >= 0x7F && Self.steersTerminal($0) }) { hex, _ in
            "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }

    /// The text with each scalar that `matches` written as `escape` makes it from its value in hex.
    private func replacingScalars(where matches: (Unicode.Scalar) -> Bool, with escape: (String, UInt32) -> String) -> String {
        guard unicodeScalars.contains(where: matches) else { return self }
        var safe = ""
        for scalar in unicodeScalars {
            if matches(scalar) {
                safe += escape(String(scalar.value, radix: 16, uppercase: true), scalar.value)
            } else {
                safe.unicodeScalars.append(scalar)
            }
        }
        return safe
    }

    private static func steersTerminal(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Pads with spaces (or cuts with an ellipsis) to exactly `width` characters.
    func padding(_ width: Int) -> String {
        if count > width { return String(prefix(max(0, width - 1))) + "…" }
        return self + String(repeating: " ", count: width - count)
    }
}
