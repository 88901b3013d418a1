import VigilValues

/// The names a rule may use: event fields with their types, named lists and lookup tables.
struct Vocabulary: Sendable {
    /// Fields every payment event may carry, usable without a `fields:` declaration.
    static let builtinFields: [String: ValueType] = [
        "event_id": .string, "amount": .number, "ts": .number, "card_id": .string, "account_id": .string,
        "merchant_id": .string, "mcc": .string, "currency": .string, "country": .string, "ip": .string,
        "device_id": .string, "channel": .string, "customer_id": .string,
    ]

    /// Number fields that every evaluated event carries: the decoder rejects an event without them.
    static let alwaysPresentNumbers: Set<String> = ["amount", "ts"]

    var fieldTypes: [String: ValueType] = builtinFields
    var lists: [String: Set<String>] = [:]
    var tables: [String: LookupTable] = [:]
    /// Per list and table, a digest of its contents (``ContentHash/digest(of:)``).
    var contentDigests: [String: String] = [:]
}
