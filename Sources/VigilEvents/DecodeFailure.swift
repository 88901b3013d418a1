/// Why a message could not become a ``PaymentEvent``.
///
/// The reason is a small closed set so it can label metrics and dead-letter headers without
/// exploding cardinality; the detail is for the person reading the dead letter.
package struct DecodeFailure: Error, Sendable, Equatable {
    package var reason: Reason
    /// What exactly is wrong and at which byte offset; never the whole payload.
    package var detail: String

    package init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// A stable, machine-readable failure category.
    package struct Reason: Hashable, Sendable, CustomStringConvertible {
        package let code: String

        private init(_ code: String) {
            self.code = code
        }

        package var description: String { code }

        /// The bytes are not one well-formed JSON document (including bad escapes, invalid UTF-8,
        /// nesting deeper than 32, and anything after the closing brace).
        package static let invalidJSON = Reason("invalid_json")
        /// The message is zero bytes or whitespace only, such as a Kafka tombstone.
        package static let empty = Reason("empty")
        /// The document is valid JSON but not an object.
        package static let notAnObject = Reason("not_an_object")
        /// The message is larger than the decoder accepts.
        package static let oversized = Reason("oversized")
        /// `event_id`, `ts` or `amount` is absent or JSON `null`.
        package static let missingField = Reason("missing_field")
        /// `event_id`, `ts` or `amount` has a JSON type it can never have.
        package static let mistypedField = Reason("mistyped_field")
        /// `event_id` is an empty string.
        package static let invalidEventID = Reason("invalid_event_id")
        /// `ts` is a fraction, out of range, or not a valid RFC 3339 instant.
        package static let invalidTimestamp = Reason("invalid_timestamp")
        /// `amount` is not exact in six fractional digits or exceeds 10^12 in magnitude.
        package static let invalidAmount = Reason("invalid_amount")
        /// A required or requested key occurs twice; parsers disagree on which copy wins.
        package static let duplicateField = Reason("duplicate_field")
    }
}
