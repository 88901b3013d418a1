/// Durations as people write them, in both directions: `10m20s`, `24h`, `30d`, `1500ms`.
///
/// Every duration a person reads (alert explanations, log lines, command output, dead-letter
/// details, rule-test failures) is printed here, so that it can be pasted back where it came from:
/// whatever ``text(milliseconds:)`` prints, ``milliseconds(_:)`` reads, and so do rule files.
/// In the lowest module, so that the Kafka layer, the engine and the command line print alike.
///
/// | milliseconds | text |
/// |---|---|
/// | 620 000 | `10m20s` |
/// | 86 400 000 | `24h` |
/// | 216 000 000 | `2d12h` |
/// | 1 500 | `1500ms` |
package enum ReadableDuration {
    private static let units: [(name: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]
    /// Below two days, hours read more easily than days and hours (`36h` rather than `1d12h`).
    private static let shortestInDays: Int64 = 2 * 86_400_000

    /// Larger units first, each one at most once; a part of a second makes the whole text milliseconds.
    package static func text(milliseconds: Int64) -> String {
        guard milliseconds >= 0 else { return "-" + text(milliseconds: milliseconds == .min ? .max : -milliseconds) }
        guard milliseconds > 0 else { return "0s" }
        guard milliseconds % 1_000 == 0 else { return "\(milliseconds)ms" }
        var rest = milliseconds
        var text = ""
        for unit in units where unit.milliseconds > 1 && rest >= unit.milliseconds {
            if unit.name == "d", milliseconds < shortestInDays { continue }
            text += "\(rest / unit.milliseconds)\(unit.name)"
            rest %= unit.milliseconds
        }
        return text
    }

    /// `duration` to the nearest millisecond.
    package static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        guard !overflow else { return text(milliseconds: seconds < 0 ? .min : .max) }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let rounded = (attoseconds + attosecondsPerMillisecond / 2) / attosecondsPerMillisecond
        return text(milliseconds: whole.addingReportingOverflow(rounded).partialValue)
    }

    /// A non-negative duration as people write it: `0s`, `500ms`, `90s`, `10m20s`, `2d12h`, larger
    /// units first and each at most once; nil when it is not one, or longer than Int64 milliseconds hold.
    package static func milliseconds(_ text: some StringProtocol) -> Int64? {
        var total: Int64 = 0
        var smallestUnitSoFar = Int64.max
        let parts = parts(of: Substring(text))
        guard !parts.isEmpty else { return nil }
        for (digits, name) in parts {
            guard let count = Int64(digits), let scale = units.first(where: { $0.name == name })?.milliseconds,
                scale < smallestUnitSoFar
            else { return nil }
            smallestUnitSoFar = scale
            let (part, overflow) = count.multipliedReportingOverflow(by: scale)
            let (sum, sumOverflow) = total.addingReportingOverflow(part)
            guard !overflow, !sumOverflow else { return nil }
            total = sum
        }
        return total
    }

    /// `10m20s` as `("10", "m")`, `("20", "s")`: each part's leading digits, then its unit up to
    /// where a letter meets the next part's digits. The unit is left for the reader to judge, so
    /// `1.5h` is one part, `("1", ".5h")`, and `1h30` ends with a part without a unit.
    package static func parts(of text: Substring) -> [(digits: Substring, unit: Substring)] {
        let isDigit = { (character: Character) in character.isASCII && character.isNumber }
        var parts: [(digits: Substring, unit: Substring)] = []
        var rest = text
        while !rest.isEmpty {
            let digits = rest.prefix(while: isDigit)
            var unitEnd = digits.endIndex
            while unitEnd < rest.endIndex {
                let next = rest.index(after: unitEnd)
                if rest[unitEnd].isLetter, next < rest.endIndex, isDigit(rest[next]) { break }
                unitEnd = next
            }
            if unitEnd < rest.endIndex { unitEnd = rest.index(after: unitEnd) }
            parts.append((digits, rest[digits.endIndex..<unitEnd]))
            rest = rest[unitEnd...]
        }
        return parts
    }
}
