import Glibc

/// Progress on standard error: one line rewritten in place on a terminal, a plain line every
/// few seconds otherwise, so logs and CI output stay readable.
struct ProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let started = ContinuousClock.now
    private var lastShown: ContinuousClock.Instant?
    private var shownWidth = 0

    var elapsed: Duration { ContinuousClock.now - started }

    /// Shows `text(elapsed)` if enough time has passed since the last update; `text` is built only then.
    mutating func update(_ text: (Duration) -> String) {
        let interval: Duration = isTerminal ? .milliseconds(100) : .seconds(5)
        let now = ContinuousClock.now
        if let lastShown, now - lastShown < interval { return }
        if lastShown == nil, !isTerminal { lastShown = now; return }  // no line before the first interval
        lastShown = now
        show(text(now - started))
    }

    /// Shows the final state and ends the line.
    mutating func finish(_ text: String) {
        if isTerminal {
            show(text)
            printToStandardError("")
        } else {
            printToStandardError(text)
        }
    }

    private mutating func show(_ text: String) {
        guard isTerminal else { return printToStandardError(text) }
        let padding = String(repeating: " ", count: max(0, shownWidth - text.count))
        shownWidth = text.count
        let bytes = Array(("\r" + text + padding).utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// A bar of `width` cells filled to `fraction` (0-1).
    static func bar(_ fraction: Double, width: Int = 24) -> String {
        let filled = min(width, max(0, Int(fraction * Double(width))))
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A count as people read it at a glance: 950, 12.3k, 4.1M.
    static func count(_ value: Double) -> String {
        switch value {
        case 1e6...: "\(String(format1: value / 1e6))M"
        case 1e4...: "\(String(format1: value / 1e3))k"
        default: "\(Int(value))"
        }
    }
}
