import VigilValues

/// Appends JSON text to a byte buffer: the small subset alerts need, with correct string escaping.
///
/// Alerts are rare next to events, but they are written on the processing thread, so this avoids
/// Foundation's encoder and its intermediate objects.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func array(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":` inside an object; the value follows.
    mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func string(_ text: String) {
        separate()
        appendQuoted(text)
        needsComma = true
    }

    /// A number as exact decimal text, a string, a boolean, or `null` for an unknown value.
    mutating func value(_ value: Value?) {
        separate()
        switch value {
        case .number(let number): bytes.append(contentsOf: number.description.utf8)
        case .string(let text): appendQuoted(text)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case nil: bytes.append(contentsOf: "null".utf8)
        }
        needsComma = true
    }

    mutating func integer(_ number: Int64) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendQuoted(_ text: String) {
        bytes.append(contentsOf: JSONString.quoted(text).utf8)
    }
}
