package import VigilValues

/// A named table of exact decimals by text key (`large_payment_limit[currency]`), read from
/// `tables/<name>.txt`; one hash lookup per read, however many rows it has.
package struct LookupTable: Sendable {
    package let name: String
    /// The file the table was read from (`rules/tables/<name>.txt`).
    package let path: String
    package let rows: [String: ExactDecimal]
    /// The value of the `*` row, for keys no row names; without it such a key is unknown.
    package let defaultValue: ExactDecimal?

    /// The row's value, the default's for a key without a row, or nil when there is neither.
    @inline(__always)
    func value(for key: String) -> ExactDecimal? {
        rows[key] ?? defaultValue
    }

    /// Each row, the default's included, as one text for ``ContentHash/digest(of:)``.
    var digestItems: [String] {
        rows.map { $0.key + "\u{0}" + $0.value.description } + (defaultValue.map { ["*\u{0}\u{0}" + $0.description] } ?? [])
    }
}

/// One table read of a rule, with the key it was read with and what it gave, for an alert's explanation.
package struct LookupTrace: Sendable {
    /// The read as normalised source, e.g. `large_payment_limit[currency]`.
    package let text: String
    /// The key expression as normalised source, e.g. `currency`.
    package let keyText: String
    /// The key's value for the event; nil when the event lacks it.
    package let key: String?
    /// What the table gave; nil when the key is unknown, or has no row and the table no default.
    package let value: ExactDecimal?
    /// Whether the value came from the default row because no row has the key.
    package let isDefault: Bool
}
