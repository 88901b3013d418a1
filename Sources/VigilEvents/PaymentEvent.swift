package import VigilValues

/// One decoded payment, reused from message to message so the hot path does not allocate arrays.
package struct PaymentEvent: Sendable {
    package var eventID: String
    /// Epoch milliseconds, UTC.
    package var timestamp: Int64
    package var amount: ExactDecimal
    /// The rule plan's fields by `FieldID.index`; `nil` when absent, `null`, nested, or of another type.
    package var fields: [Value?]

    /// An empty event with room for `fieldCount` plan fields.
    package init(fieldCount: Int) {
        eventID = ""
        timestamp = 0
        amount = .zero
        fields = Array(repeating: nil, count: max(fieldCount, 0))
    }

    /// Forgets the previous message's fields while keeping the array's storage.
    mutating func clearFields(count: Int) {
        guard fields.count == count else {
            fields = Array(repeating: nil, count: count)
            return
        }
        for index in fields.indices {
            fields[index] = nil
        }
    }
}
