extension ExactDecimal {
    /// Parses a JSON number (`-12`, `0.30`, `1.5e3`) from its UTF-8 bytes.
    ///
    /// Returns `nil` when the text is not a number, when it has more significant fractional
    /// digits than ``fractionDigits`` (rounding money silently is not an option), or when it is
    /// out of range.
    package init?(utf8 bytes: some Collection<UInt8>) {
        var parser = NumberScanner()
        for byte in bytes {
            guard parser.consume(byte) else { return nil }
        }
        guard let units = parser.finish() else { return nil }
        self.units = units
    }

    /// Parses a JSON number straight from message memory.
    ///
    /// The generic initializer runs unspecialised when called from another module, a few hundred
    /// instructions per amount; this one reads the common shape — an optional minus, at most 12
    /// integer digits, at most 6 fractional digits — in one pass of plain integer arithmetic, and
    /// hands anything else (exponents, long or malformed text) to the general grammar, so both
    /// always agree.
    package init?(utf8 bytes: UnsafeRawBufferPointer) {
        if let units = Self.plainUnits(bytes) {
            self.init(units: units)
        } else {
            self.init(utf8: bytes.lazy.map { $0 })
        }
    }

    /// `-?[0-9]{1,12}(\.[0-9]{1,6})?` as millionths; `nil` for any other text.
    private static func plainUnits(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        var index = count > 0 && bytes[0] == UInt8(ascii: "-") ? 1 : 0
        let integerStart = index
        var whole: Int64 = 0
        while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
            whole = whole &* 10 &+ Int64(bytes[index] &- UInt8(ascii: "0"))
            index += 1
        }
        guard index > integerStart, index - integerStart <= 12 else { return nil }
        var fraction: Int64 = 0
        var scale = unitsPerOne
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count, bytes[index] &- UInt8(ascii: "0") < 10, index - fractionStart < fractionDigits {
                scale /= 10
                fraction = fraction &* 10 &+ Int64(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            guard index > fractionStart else { return nil }
        }
        guard index == count else { return nil }
        let units = whole &* unitsPerOne &+ fraction &* scale
        return integerStart == 1 ? -units : units
    }

    /// Parses decimal text such as `"1000"` or `"-0.25"`.
    package init?(_ text: String) {
        self.init(utf8: text.utf8)
    }
}

extension ExactDecimal: CustomStringConvertible {
    /// Shortest exact decimal text: `12.5`, `-0.000001`, `300`.
    package var description: String {
        let magnitude = units.magnitude
        let one = UInt64(Self.unitsPerOne)
        let whole = magnitude / one
        var fraction = magnitude % one
        var text = units < 0 ? "-" : ""
        text += String(whole)
        guard fraction != 0 else { return text }
        var digits = Self.fractionDigits
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let fractionText = String(fraction)
        text += "."
        text += String(repeating: "0", count: digits - fractionText.count)
        text += fractionText
        return text
    }
}

/// A byte-at-a-time reader of the JSON number grammar into a scaled integer.
private struct NumberScanner {
    private enum Phase { case sign, integer, fraction, exponentSign, exponent }

    private var phase = Phase.sign
    private var isNegative = false
    private var mantissa: Int128 = 0
    private var fractionDigits = 0
    private var sawDigit = false
    private var exponent = 0
    private var exponentIsNegative = false
    private var sawExponentDigit = false
    private var isTooLarge = false

    mutating func consume(_ byte: UInt8) -> Bool {
        switch phase {
        case .sign:
            phase = .integer
            if byte == UInt8(ascii: "-") {
                isNegative = true
                return true
            }
            return consume(byte)
        case .integer, .fraction:
            if let digit = Self.digit(byte) {
                appendMantissa(digit)
                if phase == .fraction { fractionDigits += 1 }
                return true
            }
            if byte == UInt8(ascii: "."), phase == .integer, sawDigit {
                phase = .fraction
                sawDigit = false
                return true
            }
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E"), sawDigit {
                phase = .exponentSign
                return true
            }
            return false
        case .exponentSign:
            phase = .exponent
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                exponentIsNegative = byte == UInt8(ascii: "-")
                return true
            }
            return consume(byte)
        case .exponent:
            guard let digit = Self.digit(byte) else { return false }
            sawExponentDigit = true
            if exponent < 10_000 { exponent = exponent * 10 + Int(digit) }
            return true
        }
    }

    func finish() -> Int64? {
        guard sawDigit, !isTooLarge else { return nil }
        if phase == .exponentSign || (phase == .exponent && !sawExponentDigit) { return nil }
        // value = mantissa × 10^(exponent − fractionDigits); we want value × 10^6.
        var shift = (exponentIsNegative ? -exponent : exponent) - fractionDigits + ExactDecimal.fractionDigits
        var scaled = mantissa
        while shift > 0 {
            guard scaled.magnitude <= UInt128(Int64.max) else { return nil }
            scaled *= 10
            shift -= 1
        }
        while shift < 0 {
            guard scaled % 10 == 0 else { return nil }
            scaled /= 10
            shift += 1
        }
        if isNegative { scaled = -scaled }
        guard let exact = ExactDecimal.narrow(scaled) else { return nil }
        return exact.units
    }

    private mutating func appendMantissa(_ digit: UInt8) {
        sawDigit = true
        // Keep 38 digits at most; more than that cannot fit in the result anyway,
        // unless they are trailing fractional zeros, which still divide out in `finish`.
        if mantissa.magnitude > UInt128(Int128.max / 100) {
            if digit != 0 || phase != .fraction { isTooLarge = true }
            if phase == .fraction { fractionDigits -= 1 }
            return
        }
        mantissa = mantissa * 10 + Int128(digit)
    }

    private static func digit(_ byte: UInt8) -> UInt8? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
    }
}
