/// A JSON value as the decoder needs it: where its text lies, not a materialized copy.
///
/// Keeping only byte ranges lets unrequested values be validated and dropped without allocating.
enum JSONToken {
    case string(JSONStringSpan)
    /// `isInteger` is false when the number has a fraction or an exponent.
    case number(Range<Int>, isInteger: Bool)
    case bool(Bool)
    case null
    case container
}

/// Where a string's text lies between its quotes, and whether it holds any backslash escape.
struct JSONStringSpan {
    let range: Range<Int>
    let isEscaped: Bool
    /// Whether every byte between the quotes is ASCII, escapes included.
    let isASCII: Bool
}

/// A forward-only reader over one message that checks JSON syntax as it goes.
///
/// It works on raw memory so the decoder can read straight out of the Kafka buffer.
struct JSONScanner {
    /// Containers may nest this deep, the top-level object included; deeper is an attack or a bug.
    static let maximumDepth = 32

    let base: UnsafeRawPointer
    let count: Int
    var offset = 0

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    var isAtEnd: Bool { offset >= count }

    @inline(always)
    func byte(at index: Int) -> UInt8 {
        base.load(fromByteOffset: index, as: UInt8.self)
    }

    @inline(always)
    func peek() -> UInt8? {
        offset < count ? byte(at: offset) : nil
    }

    /// The bytes of `range`, borrowed from the message.
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Loads the eight bytes at `index` as one little-endian word; `index + 8` must not exceed `count`.
    @inline(always)
    func word(at index: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
    }

    mutating func skipWhitespace() {
        while offset < count {
            switch byte(at: offset) {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    /// The next byte that is not whitespace, left unconsumed; `nil` at the end of the message.
    ///
    /// Producers rarely put whitespace between tokens, so a byte above the space character is
    /// taken at once and only anything else goes to the out-of-line loop.
    @inline(always)
    mutating func nextSignificant() -> UInt8? {
        if offset < count {
            let byte = byte(at: offset)
            if byte > 0x20 { return byte }
        }
        return nextSignificantAfterWhitespace()
    }

    @inline(never)
    private mutating func nextSignificantAfterWhitespace() -> UInt8? {
        skipWhitespace()
        return peek()
    }

    /// An `invalid_json` failure naming what was expected at the current offset and what was found.
    func unexpected(_ expectation: String) -> DecodeFailure {
        malformed("expected \(expectation) at offset \(offset), found \(describeCurrentByte())")
    }

    func malformed(_ detail: String) -> DecodeFailure {
        DecodeFailure(.invalidJSON, detail)
    }

    private func describeCurrentByte() -> String {
        guard let byte = peek() else { return "the end of the message" }
        guard byte >= 0x20, byte < 0x7F else {
            let hex = String(byte, radix: 16, uppercase: true)
            return "byte 0x\(byte < 0x10 ? "0" : "")\(hex)"
        }
        return "'\(Character(Unicode.Scalar(byte)))'"
    }
}

// MARK: - Scalars

extension JSONScanner {
    /// Reads any value starting at the current byte; `depth` counts the containers already open.
    @inline(always)
    mutating func scanValue(depth: Int) throws(DecodeFailure) -> JSONToken {
        switch nextSignificant() {
        case UInt8(ascii: "{")?, UInt8(ascii: "[")?:
            try skipContainer(depth: depth)
            return .container
        default: return try scanScalar()
        }
    }

    /// Reads a value that is not a container, starting at the current byte, which is not whitespace.
    ///
    /// Strings and numbers, nearly every value of a payment event, are read inline; the rest out of
    /// line. Containers call this for their elements, so it must not reach ``skipContainer(depth:)``:
    /// a cycle would keep the compiler from inlining it.
    @inline(always)
    mutating func scanScalar() throws(DecodeFailure) -> JSONToken {
        switch peek() {
        case UInt8(ascii: "\"")?: return .string(try scanString())
        case UInt8(ascii: "-")?, (UInt8(ascii: "0")...UInt8(ascii: "9"))?: return try scanNumber()
        default: return try scanLiteral()
        }
    }

    /// Reads `true`, `false` or `null`.
    @inline(never)
    private mutating func scanLiteral() throws(DecodeFailure) -> JSONToken {
        switch peek() {
        case UInt8(ascii: "t")?: return try scanLiteral("true", as: .bool(true))
        case UInt8(ascii: "f")?: return try scanLiteral("false", as: .bool(false))
        case UInt8(ascii: "n")?: return try scanLiteral("null", as: .null)
        default: throw unexpected("a value")
        }
    }

    /// Reads `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, the exact JSON number grammar.
    @inline(always)
    mutating func scanNumber() throws(DecodeFailure) -> JSONToken {
        let start = offset
        if peek() == UInt8(ascii: "-") { offset += 1 }
        if peek() == UInt8(ascii: "0") {
            offset += 1
        } else {
            try scanDigits()
        }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            offset += 1
            try scanDigits()
            isInteger = false
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            try scanDigits()
            isInteger = false
        }
        return .number(start..<offset, isInteger: isInteger)
    }

    /// Consumes one or more decimal digits.
    @inline(always)
    private mutating func scanDigits() throws(DecodeFailure) {
        let end = endOfDigits(from: offset)
        guard end > offset else { throw unexpected("a digit") }
        offset = end
    }

    /// The first byte at or after `start` that is not a decimal digit, or `count`.
    ///
    /// With the top bit of each byte cleared, adding 0x46 carries into it from 0x3A (past `9`) up
    /// and subtracting from 0xAF borrows from it below 0x30 (`0`), and neither crosses into the next
    /// byte, so each flag is exact; bytes with the top bit set are flagged as they are.
    @inline(always)
    private func endOfDigits(from start: Int) -> Int {
        firstFlaggedByte(from: start, isOrdinary: Self.isDigit) { word in
            let low = word & (Self.everyByte &* 0x7F)
            return ((low &+ Self.everyByte &* 0x46) | (Self.everyByte &* 0xAF &- low) | word) & (Self.everyByte &* 0x80)
        }
    }

    /// A word with 1 in every byte, which multiplies a byte into all eight.
    static let everyByte: UInt64 = 0x0101_0101_0101_0101

    /// The first byte at or after `start` that `flags` marks, or that `isOrdinary` rejects once
    /// fewer than eight bytes remain, or `count`.
    ///
    /// `flags` sets the top bit of each byte of a word it finds, at least of the lowest one found;
    /// the lowest flag is taken, so a flag above a true one does no harm.
    @inline(always)
    func firstFlaggedByte(from start: Int, isOrdinary: (UInt8) -> Bool, flags: (UInt64) -> UInt64) -> Int {
        var index = start
        while index &+ 8 <= count {
            let flagged = flags(word(at: index))
            if flagged != 0 { return index &+ flagged.trailingZeroBitCount &>> 3 }
            index &+= 8
        }
        while index < count, isOrdinary(byte(at: index)) {
            index += 1
        }
        return index
    }

    private mutating func scanLiteral(_ word: StaticString, as token: JSONToken) throws(DecodeFailure) -> JSONToken {
        let length = word.utf8CodeUnitCount
        guard offset + length <= count else { throw unexpected("'\(word)'") }
        for index in 0..<length where byte(at: offset + index) != word.utf8Start[index] {
            offset += index
            throw unexpected("'\(word)'")
        }
        offset += length
        return token
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
