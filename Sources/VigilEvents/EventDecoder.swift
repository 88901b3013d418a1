package import VigilValues

/// Turns one Kafka message into a ``PaymentEvent`` in a single validating pass.
///
/// Only `event_id`, `ts`, `amount` and the fields the rule plan asks for are materialized; every
/// other value is still syntax-checked, so the decoder never accepts a document another parser
/// would read differently.
package struct EventDecoder: Sendable {
    private let keys: KeyTable
    private let fieldCount: Int
    private let maximumMessageBytes: Int

    /// `fields` are what the rule plan reads; `PaymentEvent.fields[i]` receives `fields[i]`'s value.
    package init(fields: [FieldSpec], maximumMessageBytes: Int = 64 * 1024) {
        keys = KeyTable(fields: fields)
        fieldCount = fields.count
        self.maximumMessageBytes = maximumMessageBytes
    }

    /// Decodes one message into `event`, reusing its storage; returns `nil` on success.
    ///
    /// On failure every field is `nil`, so no half-decoded message leaks into rules; the other
    /// properties are unspecified.
    package func decode(_ bytes: UnsafeRawBufferPointer, into event: inout PaymentEvent) -> DecodeFailure? {
        event.clearFields(count: fieldCount)
        guard bytes.count <= maximumMessageBytes else {
            return DecodeFailure(.oversized, "message of \(bytes.count) bytes exceeds the limit of \(maximumMessageBytes)")
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return DecodeFailure(.empty, "message has no bytes") }
        let failure = withUnsafeTemporaryAllocation(of: Bool.self, capacity: keys.entries.count) { seen in
            seen.initialize(repeating: false)
            var pass = DecodingPass(scanner: JSONScanner(base: base, count: bytes.count), keys: keys, seen: seen)
            do throws(DecodeFailure) {
                try pass.decodeDocument(into: &event)
                return pass.finish(into: &event)
            } catch {
                return error
            }
        }
        if failure != nil { event.clearFields(count: fieldCount) }
        return failure
    }
}

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
        guard scanner.isAtEnd else { throw scanner.malformed("unexpected data after the object at offset \(scanner.offset)") }
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

    /// Escaped keys are compared after unescaping, so `"amoun\u0074"` cannot smuggle a second amount.
    private func entryIndex(of key: JSONStringSpan) -> Int? {
        guard key.isEscaped else { return keys.entryIndex(of: scanner.bytes(key.range)) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: key.range.count) { buffer in
            let length = scanner.unescape(key.range, into: buffer)
            return keys.entryIndex(of: UnsafeRawBufferPointer(start: buffer.baseAddress, count: length))
        }
    }

    /// A valid document that is not an object is `not_an_object`; anything else is `invalid_json`.
    private mutating func rejectNonObject() -> DecodeFailure {
        do throws(DecodeFailure) {
            _ = try scanner.scanValue(depth: 0)
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { return scanner.malformed("unexpected data after the value at offset \(scanner.offset)") }
            return DecodeFailure(.notAnObject, "the message is a JSON value other than an object")
        } catch {
            return error
        }
    }
}
