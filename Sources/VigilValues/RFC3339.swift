/// RFC 3339 timestamps in both directions, without Foundation's date formatters.
///
/// In the lowest module, so events, rule tests and log lines read and write times alike.
package enum RFC3339 {
    private static let millisecondsPerDay: Int64 = 86_400_000

    /// The instants from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the span RFC 3339's
    /// four-digit years can name; integer timestamps outside it are rejected as well.
    package static let representableMilliseconds: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// Epoch milliseconds of `2026-11-27T10:15:00Z` or `2026-11-27T10:15:00.123+01:00`.
    ///
    /// `T` and `Z` may be lower case. Fractions finer than a millisecond are truncated toward
    /// the past; leap seconds (`:60`) and impossible dates such as 2026-02-30 yield `nil`.
    /// Inlinable, so the decoder's call on message bytes is specialised across the module boundary.
    @inlinable package static func parseMilliseconds(_ utf8: some Collection<UInt8>) -> Int64? {
        var reader = TextReader(utf8.makeIterator())
        guard let year = reader.digits(4), reader.skip("-"), let month = reader.digits(2), reader.skip("-"),
            let day = reader.digits(2), reader.skip("T") || reader.skip("t"),
            let hour = reader.digits(2), reader.skip(":"), let minute = reader.digits(2), reader.skip(":"),
            let second = reader.digits(2), hour < 24, minute < 60, second < 60
        else { return nil }
        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid, let (milliseconds, designator) = reader.fraction(),
            let offsetMinutes = reader.offsetMinutes(designator: designator), reader.isAtEnd
        else { return nil }
        let minutes = (date.daysSinceEpoch * 24 + hour) * 60 + minute - offsetMinutes
        return (minutes * 60 + second) * 1_000 + milliseconds
    }

    /// `2026-11-27T10:15:00.123Z`: always UTC, always millisecond precision, so strings sort by time.
    ///
    /// Instants outside years 0000–9999 still format, with a sign or a longer year, rather than trap.
    package static func format(milliseconds: Int64) -> String {
        var (days, timeOfDay) = milliseconds.quotientAndRemainder(dividingBy: millisecondsPerDay)
        if timeOfDay < 0 {
            days -= 1
            timeOfDay += millisecondsPerDay
        }
        let date = CivilDate(daysSinceEpoch: days)
        var text = date.year < 0 ? "-" : ""
        text += padded(date.year.magnitude, width: 4) + "-" + padded(date.month.magnitude, width: 2)
        text += "-" + padded(date.day.magnitude, width: 2) + "T"
        text += padded(UInt64(timeOfDay / 3_600_000), width: 2) + ":"
        text += padded(UInt64(timeOfDay / 60_000 % 60), width: 2) + ":"
        text += padded(UInt64(timeOfDay / 1_000 % 60), width: 2) + "."
        text += padded(UInt64(timeOfDay % 1_000), width: 3) + "Z"
        return text
    }

    private static func padded(_ value: UInt64, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(width - digits.count, 0)) + digits
    }
}

/// Reads an RFC 3339 string front to back, one byte at a time, from any collection.
@usableFromInline struct TextReader<Bytes: IteratorProtocol<UInt8>> {
    @usableFromInline var bytes: Bytes
    @usableFromInline var pending: UInt8?

    @inlinable init(_ bytes: Bytes) {
        self.bytes = bytes
        pending = self.bytes.next()
    }

    @inlinable var isAtEnd: Bool { pending == nil }

    @inlinable mutating func advance() -> UInt8? {
        defer { pending = bytes.next() }
        return pending
    }

    /// Consumes `character` if it comes next.
    @inlinable mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard pending == UInt8(ascii: character) else { return false }
        _ = advance()
        return true
    }

    /// Exactly `count` decimal digits as a number.
    @inlinable mutating func digits(_ count: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<count {
            guard let byte = pending, Self.isDigit(byte) else { return nil }
            _ = advance()
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Optional `.digits` as whole milliseconds, plus the byte that ends the time (the zone designator).
    @inlinable mutating func fraction() -> (milliseconds: Int64, designator: UInt8)? {
        guard skip(".") else { return advance().map { (0, $0) } }
        var milliseconds: Int64 = 0
        var count = 0
        while let byte = pending, Self.isDigit(byte) {
            if count < 3 { milliseconds = milliseconds * 10 + Int64(byte - UInt8(ascii: "0")) }
            count += 1
            _ = advance()
        }
        guard count > 0, let designator = advance() else { return nil }
        for _ in count..<max(count, 3) { milliseconds *= 10 }
        return (milliseconds, designator)
    }

    /// Minutes east of UTC for `Z`, `+hh:mm` or `-hh:mm`.
    @inlinable mutating func offsetMinutes(designator: UInt8) -> Int64? {
        switch designator {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"): return 0
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let hours = digits(2), skip(":"), let minutes = digits(2), hours < 24, minutes < 60 else {
                return nil
            }
            return (designator == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
        default: return nil
        }
    }

    @inlinable static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
