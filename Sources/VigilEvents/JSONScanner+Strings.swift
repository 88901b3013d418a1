extension JSONScanner {
    /// Reads a string starting at its opening quote, validating escapes and UTF-8 without copying.
    ///
    /// Plain ASCII text up to the closing quote, what nearly every key and value is, is read inline;
    /// escapes, other UTF-8 and failures continue out of line.
    @inline(always)
    mutating func scanString() throws(DecodeFailure) -> JSONStringSpan {
        let start = offset &+ 1
        let end = firstSpecialByte(from: start)
        guard end < count, byte(at: end) == UInt8(ascii: "\"") else {
            return try scanStringRest(start: start, at: end)
        }
        offset = end &+ 1
        return JSONStringSpan(range: start..<end, isEscaped: false, isASCII: true)
    }

    /// Continues ``scanString()`` at `index`, its first byte that is not plain ASCII.
    @inline(never)
    private mutating func scanStringRest(start: Int, at first: Int) throws(DecodeFailure) -> JSONStringSpan {
        var index = first
        var isEscaped = false
        var isASCII = true
        while true {
            guard index < count else {
                offset = index
                throw malformed("unterminated string starting at offset \(start - 1)")
            }
            switch byte(at: index) {
            case UInt8(ascii: "\""):
                offset = index + 1
                return JSONStringSpan(range: start..<index, isEscaped: isEscaped, isASCII: isASCII)
            case UInt8(ascii: "\\"):
                guard let escape = escapedScalar(at: index) else {
                    throw malformed("invalid escape at offset \(index)")
                }
                index += escape.length
                isEscaped = true
            case ..<0x20:
                throw malformed("unescaped control character at offset \(index)")
            default:
                guard let length = utf8SequenceLength(at: index) else {
                    throw malformed("invalid UTF-8 at offset \(index)")
                }
                index += length
                isASCII = false
            }
            index = firstSpecialByte(from: index)
        }
    }

    /// The first quote, backslash, control character or non-ASCII byte at or after `start`, or `count`.
    ///
    /// Most of a payment event is short ASCII text; testing eight bytes at a time and taking the
    /// lowest flagged byte finds the closing quote of a typical key or value in one step. Borrows
    /// in the word arithmetic only ever flag bytes above a truly special one, so the lowest flag is exact.
    @inline(always)
    private func firstSpecialByte(from start: Int) -> Int {
        firstFlaggedByte(from: start, isOrdinary: Self.isPlain) { word in
            let quotes = word ^ (Self.everyByte &* 0x22)
            let backslashes = word ^ (Self.everyByte &* 0x5C)
            let belowSpace = word &- Self.everyByte &* 0x20
            let zeroQuotes = (quotes &- Self.everyByte) & ~quotes
            let zeroBackslashes = (backslashes &- Self.everyByte) & ~backslashes
            return (zeroQuotes | zeroBackslashes | belowSpace | word) & (Self.everyByte &* 0x80)
        }
    }

    /// ASCII that stands for itself inside a string.
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    /// The text of a scanned string, unescaped; one allocation at most, none for short strings.
    func string(_ span: JSONStringSpan) -> String {
        let range = span.range
        return String(unsafeUninitializedCapacity: range.count) { buffer in
            guard span.isEscaped else {
                guard let target = buffer.baseAddress else { return 0 }
                UnsafeMutableRawPointer(target).copyMemory(from: base + range.lowerBound, byteCount: range.count)
                return range.count
            }
            return unescape(range, into: buffer)
        }
    }

    /// Writes the unescaped bytes of a validated string into `buffer` and returns how many.
    ///
    /// Unescaping never lengthens text, so a buffer as long as the range always suffices;
    /// the bound is still checked so that memory stays safe whatever the input.
    func unescape(_ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var written = 0
        var index = range.lowerBound
        while index < range.upperBound, written < buffer.count {
            let byte = byte(at: index)
            guard byte == UInt8(ascii: "\\") else {
                buffer[written] = byte
                written += 1
                index += 1
                continue
            }
            guard let escape = escapedScalar(at: index) else { break }
            for unit in escape.scalar.utf8 where written < buffer.count {
                buffer[written] = unit
                written += 1
            }
            index += escape.length
        }
        return written
    }

    /// The scalar an escape at `index` stands for and how many bytes it spans, including a
    /// `\uD83D\uDE00` surrogate pair; `nil` for an unknown escape or an unpaired surrogate.
    private func escapedScalar(at index: Int) -> (scalar: Unicode.Scalar, length: Int)? {
        guard index + 1 < count else { return nil }
        switch byte(at: index + 1) {
        case UInt8(ascii: "\""): return ("\"", 2)
        case UInt8(ascii: "\\"): return ("\\", 2)
        case UInt8(ascii: "/"): return ("/", 2)
        case UInt8(ascii: "b"): return ("\u{08}", 2)
        case UInt8(ascii: "f"): return ("\u{0C}", 2)
        case UInt8(ascii: "n"): return ("\n", 2)
        case UInt8(ascii: "r"): return ("\r", 2)
        case UInt8(ascii: "t"): return ("\t", 2)
        case UInt8(ascii: "u"): return unicodeEscape(at: index)
        default: return nil
        }
    }

    private func unicodeEscape(at index: Int) -> (scalar: Unicode.Scalar, length: Int)? {
        guard let unit = hexUnit(at: index + 2) else { return nil }
        switch unit {
        case 0xD800...0xDBFF:
            guard index + 7 < count, byte(at: index + 6) == UInt8(ascii: "\\"),
                byte(at: index + 7) == UInt8(ascii: "u"),
                let low = hexUnit(at: index + 8), (0xDC00...0xDFFF).contains(low),
                let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            else { return nil }
            return (scalar, 12)
        default:
            guard let scalar = Unicode.Scalar(unit) else { return nil }
            return (scalar, 6)
        }
    }

    /// Four hex digits at `index` as a UTF-16 code unit.
    private func hexUnit(at index: Int) -> UInt32? {
        guard index + 4 <= count else { return nil }
        var unit: UInt32 = 0
        for position in index..<(index + 4) {
            let byte = byte(at: position)
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt32(digit)
        }
        return unit
    }

    /// The length of the well-formed multi-byte UTF-8 sequence at `index` (Unicode table 3-7),
    /// which rules out overlong forms, surrogates and code points past U+10FFFF.
    private func utf8SequenceLength(at index: Int) -> Int? {
        let length: Int
        let second: ClosedRange<UInt8>
        switch byte(at: index) {
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: return nil
        }
        guard index + length <= count, second.contains(byte(at: index + 1)) else { return nil }
        for position in (index + 2)..<(index + length) where byte(at: position) & 0xC0 != 0x80 {
            return nil
        }
        return length
    }
}
