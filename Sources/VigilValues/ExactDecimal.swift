/// A decimal number held exactly, as a whole count of millionths.
///
/// Money must not drift: `0.1 + 0.2 == 0.3` holds here, and a day of summed cents stays exact.
/// Six fractional digits cover every ISO 4217 minor unit with room to spare; magnitudes up to
/// about 9.2 × 10¹² are representable. Arithmetic that would leave that range returns `nil`
/// instead of trapping, so a hostile input can never crash the engine.
package struct ExactDecimal: Hashable, Comparable, Sendable {
    /// How many fractional digits are kept.
    package static let fractionDigits = 6
    /// `10^fractionDigits`: the count of units in one.
    package static let unitsPerOne: Int64 = 1_000_000

    /// The value times 10^6.
    package var units: Int64

    package init(units: Int64) {
        self.units = units
    }

    /// A whole number; `nil` when it does not fit.
    package init?(_ integer: Int64) {
        let (product, overflow) = integer.multipliedReportingOverflow(by: Self.unitsPerOne)
        guard !overflow else { return nil }
        self.units = product
    }

    package static let zero = ExactDecimal(units: 0)

    package static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        lhs.units < rhs.units
    }

    package var isNegative: Bool { units < 0 }
}

// MARK: - Arithmetic

extension ExactDecimal {
    package func adding(_ other: ExactDecimal) -> ExactDecimal? {
        let (sum, overflow) = units.addingReportingOverflow(other.units)
        return overflow ? nil : ExactDecimal(units: sum)
    }

    package func subtracting(_ other: ExactDecimal) -> ExactDecimal? {
        let (difference, overflow) = units.subtractingReportingOverflow(other.units)
        return overflow ? nil : ExactDecimal(units: difference)
    }

    /// The product rounded half-to-even to six fractional digits.
    package func multiplied(by other: ExactDecimal) -> ExactDecimal? {
        let wide = Int128(units) * Int128(other.units)
        return Self.narrow(Self.divideRoundingHalfEven(wide, by: Int128(Self.unitsPerOne)))
    }

    /// The quotient rounded half-to-even to six fractional digits; `nil` for a zero divisor.
    package func divided(by other: ExactDecimal) -> ExactDecimal? {
        guard other.units != 0 else { return nil }
        let wide = Int128(units) * Int128(Self.unitsPerOne)
        return Self.narrow(Self.divideRoundingHalfEven(wide, by: Int128(other.units)))
    }

    /// The mean of a wide sum over `count` values, rounded half-to-even.
    package static func mean(sumOfUnits: Int128, count: Int) -> ExactDecimal? {
        guard count > 0 else { return nil }
        return narrow(divideRoundingHalfEven(sumOfUnits, by: Int128(count)))
    }

    /// A wide count of units, when it fits in 64 bits.
    package static func narrow(_ wide: Int128) -> ExactDecimal? {
        guard wide >= Int128(Int64.min), wide <= Int128(Int64.max) else { return nil }
        return ExactDecimal(units: Int64(wide))
    }

    private static func divideRoundingHalfEven(_ dividend: Int128, by divisor: Int128) -> Int128 {
        let (quotient, remainder) = dividend.quotientAndRemainder(dividingBy: divisor)
        guard remainder != 0 else { return quotient }
        let twiceRemainder = remainder.magnitude * 2
        let sign: Int128 = (dividend < 0) != (divisor < 0) ? -1 : 1
        if twiceRemainder > divisor.magnitude || (twiceRemainder == divisor.magnitude && quotient % 2 != 0) {
            return quotient + sign
        }
        return quotient
    }
}
