/// Appends the members of one flat JSON object to a byte buffer, without intermediate strings.
struct JSONText {
    var out: [UInt8]

    mutating func field(_ name: StaticString, prefix: StaticString, _ number: UInt64, first: Bool = false) {
        key(name, first: first)
        out.append(UInt8(ascii: "\""))
        append(prefix)
        append(number)
        out.append(UInt8(ascii: "\""))
    }

    mutating func number(_ name: StaticString, _ number: UInt64) {
        key(name)
        append(number)
    }

    mutating func raw(_ name: StaticString, _ text: [UInt8]) {
        key(name)
        out += text
    }

    mutating func string(_ name: StaticString, _ text: StaticString) {
        key(name)
        out.append(UInt8(ascii: "\""))
        append(text)
        out.append(UInt8(ascii: "\""))
    }

    /// An address from the documentation range 198.51.100.0/24 widened to /16, from random bits.
    mutating func ip(_ name: StaticString, _ bits: UInt64) {
        key(name)
        append("\"198.51.")
        append(bits & 0xFF)
        out.append(UInt8(ascii: "."))
        append((bits >> 8) & 0xFF)
        out.append(UInt8(ascii: "\""))
    }

    mutating func close() {
        out.append(UInt8(ascii: "}"))
    }

    private mutating func key(_ name: StaticString, first: Bool = false) {
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        append(name)
        append("\":")
    }

    private mutating func append(_ text: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func append(_ number: UInt64) {
        var digits: [UInt8] = []
        var rest = number
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out += digits.reversed()
    }
}
