import VigilRules
import VigilValues

extension AlertExplanation {
    /// One line per comparison (each side's value and whether it held), then one per aggregate (its
    /// value and its window, exclusive of the start), then one per table read (its value and the
    /// key it was read with): what decided the rule, for a backtest's examples and a failed
    /// rule-test step alike.
    package var traceLines: [String] {
        let comparisons = conditions.map { condition in
            let verdict = condition.holds.map { $0 ? "true" : "false" } ?? "unknown"
            return "condition   \(condition.text): \(Self.text(condition.left)) \(condition.op) \(Self.rightSide(condition)) is \(verdict)"
        }
        let windows = aggregates.map { reading in
            "window      \(reading.text) = \(Self.text(reading.value)) over (\(RFC3339.format(milliseconds: reading.windowStart)), "
                + "\(RFC3339.format(milliseconds: reading.windowEnd))]"
        }
        return comparisons + windows + lookups.map { "lookup      " + Self.text($0) }
    }

    /// `large_payment_limit[currency] = 1500000 with currency = JPY`, saying when the default row
    /// answered and why a read is unknown.
    private static func text(_ lookup: LookupTrace) -> String {
        guard let key = lookup.key else { return "\(lookup.text) = unknown: \(lookup.keyText) is unknown" }
        let read = "with \(lookup.keyText) = \(key)"
        guard let value = lookup.value else {
            return "\(lookup.text) = unknown: no row for \(key) and no default row (\(read))"
        }
        return "\(lookup.text) = \(value) \(read)" + (lookup.isDefault ? ", from the default row" : "")
    }

    /// A value as a trace shows it; a side that could not be evaluated is `unknown`.
    private static func text(_ value: Value?) -> String { value?.description ?? "unknown" }

    /// A membership test's right side is a set with no single value, so it is shown by its text
    /// (`blocked_merchants`, `["US", "GB"]`) rather than as unknown.
    private static func rightSide(_ condition: ConditionTrace) -> String {
        condition.op == "in" || condition.op == "not in" ? condition.rightText : text(condition.right)
    }
}
