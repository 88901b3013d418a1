/// Reads the duration literals used for windows and cooldowns (`90s`, `5m`, `24h`, `30d`).
///
/// Windows are exact, so a duration is whole milliseconds; the range is bounded because window
/// state lives in memory and a year-long window is almost certainly a typo.
package enum DurationText {
    static let minimumMilliseconds: Int64 = 1_000
    static let maximumMilliseconds: Int64 = 366 * 86_400_000

    private static let units: [(name: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000),
    ]

    /// Why a duration was rejected, placed by the caller that knows where the text came from.
    struct Problem: Error {
        let message: String
    }

    static func milliseconds(digits: String, unit: String) -> Result<Int64, Problem> {
        let fail = { (message: String) in Result<Int64, Problem>.failure(Problem(message: message)) }
        if unit.isEmpty, !digits.isEmpty { return fail(missingUnit(digits)) }
        guard let scale = units.first(where: { $0.name == unit })?.milliseconds else {
            if unit == "ms" { return fail(wholeSeconds(milliseconds: digits)) }
            return fail("unknown duration unit '\(unit)'; use s, m, h or d (as in 90s, 5m, 24h, 30d)")
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return fail("a duration is a whole number followed by s, m, h or d")
        }
        // More digits than Int64 holds is still a whole number, just far beyond the limit.
        let product = Int64(digits)?.multipliedReportingOverflow(by: scale)
        guard let product, !product.overflow, product.partialValue <= maximumMilliseconds else {
            return fail("duration \(digits)\(unit) is longer than 366d")
        }
        guard product.partialValue >= minimumMilliseconds else { return fail("duration must be at least 1s") }
        return .success(product.partialValue)
    }

    /// Advice for a bare number where a duration belongs (`over: 5`, `cooldown: 10`): the unit
    /// is the part an analyst forgets, and only they know which one was meant.
    static func missingUnit(_ number: String) -> String {
        "\(number) has no unit; write \(number)s, \(number)m, \(number)h or \(number)d"
    }

    /// Advice for `500ms`: windows and cooldowns are whole seconds, so the nearest durations that
    /// can be written are offered (`1s` for `500ms`, `1s or 2s` for `1500ms`, `1m` for `60000ms`).
    static func wholeSeconds(milliseconds digits: String) -> String {
        let rule = "durations are whole seconds, 1s at least; milliseconds (ms) are not a unit here"
        guard let count = Int64(digits), count <= maximumMilliseconds else { return rule }
        let shorter = max(count / 1_000, 1)
        let longer = max((count + 999) / 1_000, 1)
        let choices = Set([shorter, longer]).sorted().map { text(milliseconds: $0 * 1_000) }
        return "\(rule); write \(choices.joined(separator: " or "))"
    }

    /// Reads a whole duration such as a YAML `cooldown: 10m`.
    static func parse(_ text: String) -> Result<Int64, Problem> {
        let digits = String(text.prefix { $0.isASCII && $0.isNumber })
        let unit = String(text.dropFirst(digits.count))
        guard !digits.isEmpty else { return .failure(Problem(message: "expected a duration such as 90s, 5m, 24h or 30d")) }
        return milliseconds(digits: digits, unit: unit)
    }

    /// Any non-negative duration, milliseconds included (`0s`, `500ms`, `10m`), as command-line
    /// options and rule-test offsets are written; `nil` when it is not one.
    package static func anyMilliseconds(_ text: String) -> Int64? {
        for (unit, scale) in [("ms", Int64(1))] + units.map({ ($0.name, $0.milliseconds) }) where text.hasSuffix(unit) {
            guard let count = Int64(text.dropLast(unit.count)), count >= 0 else { continue }
            let (total, overflow) = count.multipliedReportingOverflow(by: scale)
            return overflow ? nil : total
        }
        return nil
    }

    /// The largest whole unit, so `300s` and `5m` print (and therefore share state) alike.
    package static func text(milliseconds: Int64) -> String {
        for unit in units where milliseconds % unit.milliseconds == 0 {
            return "\(milliseconds / unit.milliseconds)\(unit.name)"
        }
        return "\(milliseconds)ms"
    }
}
