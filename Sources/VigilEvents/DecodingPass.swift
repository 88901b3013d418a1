import VigilValues

/// The state of decoding one message: the scanner, which keys were seen, and the required fields.
struct DecodingPass {
    var scanner: JSONScanner
    let keys: KeyTable
    /// Per ``KeyTable/entries``: whether that key occurred already.
    let seen: UnsafeMutableBufferPointer<Bool>
    var eventID: String?
    var timestamp: Int64?
    var amount: ExactDecimal?
    /// The first problem with a required field; reported only if the JSON as a whole is valid,
    /// so that a broken document is always reported as broken.
    var deferredFailure: DecodeFailure?

    init(scanner: JSONScanner, keys: KeyTable, seen: UnsafeMutableBufferPointer<Bool>) {
        self.scanner = scanner
        self.keys = keys
        self.seen = seen
    }

    mutating func decodeDocument(into event: inout PaymentEvent) throws(DecodeFailure) {
        scanner.skipWhitespace()
        guard let first = scanner.peek() else { throw DecodeFailure(.empty, "message is whitespace only") }
        guard first == UInt8(ascii: "{") else { throw rejectNonObject() }
        scanner.offset += 1
        if scanner.nextSignificant() == UInt8(ascii: "}") {
            scanner.offset += 1
        } else {
            try decodeMembers(into: &event)
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else {
            throw scanner.malformed("unexpected data after the object at offset \(scanner.offset)")
        }
    }

    /// Reads `"key": value` pairs up to and including the object's closing brace.
    private mutating func decodeMembers(into event: inout PaymentEvent) throws(DecodeFailure) {
        while true {
            let key = try scanner.scanKeyAndColon()
            let valueOffset = scanner.offset
            let value = try scanner.scanValue(depth: 1)
            if let entry = entryIndex(of: key) {
                record(entry: entry, value: value, at: valueOffset, into: &event)
            }
            switch scanner.nextSignificant() {
            case UInt8(ascii: ",")?: scanner.offset += 1
            case UInt8(ascii: "}")?:
                scanner.offset += 1
                return
            default: throw scanner.unexpected("',' or '}'")
            }
        }
    }

    /// Plain keys are probed with one unaligned load; the closing quote and the colon that follow
    /// the key keep that load inside the message whenever eight bytes remain.
    @inline(__always)
    private func entryIndex(of key: JSONStringSpan) -> Int? {
        guard key.isEscaped else {
            let bytes = scanner.bytes(key.range)
            guard key.range.lowerBound + 8 <= scanner.count else {
                return keys.entryIndex(of: bytes, probe: KeyProbe(bytes))
            }
            let word = UInt64(
                littleEndian: scanner.base.loadUnaligned(fromByteOffset: key.range.lowerBound, as: UInt64.self))
            let probe = KeyProbe(length: bytes.count, prefix: word & KeyProbe.prefixMask(length: bytes.count))
            return keys.entryIndex(of: bytes, probe: probe)
        }
        return Self.entryIndex(ofEscaped: key.range, scanner: scanner, keys: keys)
    }

    /// Escaped keys are compared after unescaping, so `"amoun\u0074"` cannot smuggle a second amount.
    ///
    /// Static and out of line: a closure over `self` in the member loop made it copy the whole
    /// pass for every member, escaped or not.
    @inline(never)
    private static func entryIndex(ofEscaped range: Range<Int>, scanner: JSONScanner, keys: KeyTable) -> Int? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: range.count) { buffer in
            let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: scanner.unescape(range, into: buffer))
            return keys.entryIndex(of: bytes, probe: KeyProbe(bytes))
        }
    }

    /// A valid document that is not an object is `not_an_object`; anything else is `invalid_json`.
    private mutating func rejectNonObject() -> DecodeFailure {
        do throws(DecodeFailure) {
            _ = try scanner.scanValue(depth: 0)
            scanner.skipWhitespace()
            guard scanner.isAtEnd else {
                return scanner.malformed("unexpected data after the value at offset \(scanner.offset)")
            }
            return DecodeFailure(.notAnObject, "the message is a JSON value other than an object")
        } catch {
            return error
        }
    }
}
