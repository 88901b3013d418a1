import VigilValues

/// A rule-test event's `ts:`, read as the event decoder reads `ts`: whole epoch milliseconds, or
/// RFC 3339 text (`2027-01-01T09:30:00Z`, `2027-01-01T10:30:00.250+01:00`).
enum TestEventTime {
    /// Why a `ts:` names no instant, placed by the reader that knows where it is written.
    struct Problem: Error {
        let message: String
    }

    /// The instant `text` names; the problem says which part is wrong where a slip is common.
    static func milliseconds(_ text: String) -> Result<Int64, Problem> {
        if let instant = RFC3339.parseMilliseconds(text.utf8) { return .success(instant) }
        let fail = { (message: String) in Result<Int64, Problem>.failure(Problem(message: message)) }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let milliseconds = Int64(text), RFC3339.representableMilliseconds.contains(milliseconds) else {
                return fail("ts: \(text) is outside the years 0000-9999 that an event time may name")
            }
            return .success(milliseconds)
        }
        if ExactDecimal(text) != nil { return fail("ts: epoch milliseconds are a whole number, not \(text)") }
        if let advice = advice(for: text) { return fail("ts: '\(text)' is not an RFC 3339 time: \(advice)") }
        return fail("ts: '\(text)' is neither epoch milliseconds (1798761600000) nor an RFC 3339 time "
            + "(2027-01-01T09:30:00Z, 2027-01-01T10:30:00.250+01:00); impossible dates such as 2026-02-30 "
            + "and leap seconds are refused")
    }

    /// Advice for the usual slips, a space where the `T` goes and no zone, when mending them makes a time.
    private static func advice(for text: String) -> String? {
        let isSpaced = text.count > 10 && text.dropFirst(10).first == " "
        let joined = isSpaced ? text.prefix(10) + "T" + text.dropFirst(11) : text
        if isSpaced, RFC3339.parseMilliseconds(joined.utf8) != nil {
            return "date and time are joined by T, as in \(joined)"
        }
        guard RFC3339.parseMilliseconds((joined + "Z").utf8) != nil else { return nil }
        let zone = "it needs a zone: write \(joined)Z for UTC, or an offset as in \(joined)+01:00"
        return isSpaced ? "date and time are joined by T, and " + zone : zone
    }
}
