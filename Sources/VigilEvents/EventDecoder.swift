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
            return DecodeFailure(
                .oversized, "message of \(bytes.count) bytes exceeds the limit of \(maximumMessageBytes)")
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
