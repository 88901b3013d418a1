import VigilValues

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

    /// - Parameter isPart: one part of a duration written in parts (the `0m` of `1h0m`), which may
    ///   be zero; the whole is held to the minimum.
    static func milliseconds(digits: String, unit: String, isPart: Bool = false) -> Result<Int64, Problem> {
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
        guard isPart || product.partialValue >= minimumMilliseconds else { return fail("duration must be at least 1s") }
        return .success(product.partialValue)
    }

    /// A window or cooldown as aggregates are named: the largest unit that divides it (`1d`,
    /// `90s`, `620s`). The name identifies an aggregate's state in snapshots and across reloads,
    /// so it keeps this one form however durations are printed for people; every name is
    /// still a duration a rule accepts.
    static func canonical(milliseconds: Int64) -> String {
        let unit = units.first { milliseconds % $0.milliseconds == 0 }
        return unit.map { "\(milliseconds / $0.milliseconds)\($0.name)" } ?? "\(milliseconds)ms"
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
        let choices = Set([shorter, longer]).sorted().map { ReadableDuration.text(milliseconds: $0 * 1_000) }
        return "\(rule); write \(choices.joined(separator: " or "))"
    }

    /// Reads a whole duration such as a YAML `cooldown: 10m` or `cooldown: 1h30m`.
    static func parse(_ text: String) -> Result<Int64, Problem> {
        let parts = ReadableDuration.parts(of: Substring(text)).map { (digits: String($0.digits), unit: String($0.unit)) }
        guard let first = parts.first, !first.digits.isEmpty else {
            return .failure(Problem(message: "expected a duration such as 90s, 5m, 24h or 30d"))
        }
        return milliseconds(parts: parts)
    }

    /// A duration written in parts, larger units first (`10m20s`, `1h30m`), as durations are printed.
    static func milliseconds(parts: [(digits: String, unit: String)]) -> Result<Int64, Problem> {
        var total: Int64 = 0
        for (index, part) in parts.enumerated() {
            let milliseconds = milliseconds(digits: part.digits, unit: part.unit, isPart: parts.count > 1)
            guard case .success(let value) = milliseconds else { return milliseconds }
            if index > 0, let previous = units.firstIndex(where: { $0.name == parts[index - 1].unit }),
                units.firstIndex(where: { $0.name == part.unit }).map({ $0 <= previous }) ?? true
            {
                return .failure(Problem(message: "write the larger units of a duration first, each once, as in 1h30m"))
            }
            total += value
        }
        guard total <= maximumMilliseconds else {
            return .failure(Problem(message: "duration \(parts.map { $0.digits + $0.unit }.joined()) is longer than 366d"))
        }
        guard total >= minimumMilliseconds else { return .failure(Problem(message: "duration must be at least 1s")) }
        return .success(total)
    }
}
