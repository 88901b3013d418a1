package import VigilRules
package import VigilValues

/// A rule firing on one event: what fired, on which entity, and why.
///
/// `alertID` is derived from the rule id and the event id only, so a replay of the same input,
/// on any replica, yields the same id: readers deduplicate on it under at-least-once delivery.
package struct Alert: Sendable {
    package let alertID: String
    package let ruleID: String
    package let severity: Severity
    package let mode: RuleMode
    package let description: String
    package let labels: [String: String]
    /// The entity the rule is keyed by, as (field, value) pairs; also the Kafka message key.
    package let key: [(field: String, value: Value)]
    package let eventID: String
    package let eventTime: Int64
    package let detectedAt: Int64
    package let rulesetVersion: String
    package let source: EventSource
    /// Firings of this rule for this key that the cooldown held back since the previous alert.
    package let suppressedFirings: Int
    package let explanation: AlertExplanation

    /// The id of the alert `ruleID` raises for `eventID`: the same on every replica and replay.
    package static func makeID(ruleID: String, eventID: String) -> String {
        ContentHash.alertID(ruleID: ruleID, eventID: eventID)
    }

    /// The message key: the key values joined by `|`.
    package var messageKey: String {
        Self.joinedKey(key.map(\.value))
    }

    /// Key values as one text, joined by `|`: the alert's message key, and how the cooldown
    /// ledger knows the key, so that both name an entity alike.
    static func joinedKey(_ values: some Sequence<Value>) -> String {
        values.map(\.description).joined(separator: "|")
    }
}

/// Why an alert fired: the expression, each comparison's two sides, and every aggregate, table
/// value and field it read.
package struct AlertExplanation: Sendable {
    package struct AggregateReading: Sendable {
        package let text: String
        package let value: Value?
        package let windowMilliseconds: Int64
        /// The window is (start, end]: `start` itself is excluded.
        package let windowStart: Int64
        package let windowEnd: Int64
    }

    package let expression: String
    package let conditions: [ConditionTrace]
    package let aggregates: [AggregateReading]
    /// Each table read of the rule, with the key it was read with (`large_payment_limit[currency]`).
    package let lookups: [LookupTrace]
    package let fields: [(name: String, value: Value?)]

    /// The condition that best states why the rule fired: among the true ones (in `a or b`, the
    /// branch that held), the first that reads an aggregate, else the first numeric limit, else the
    /// first; when none is known to be true, the first condition.
    package var primaryCondition: ConditionTrace? {
        let held = conditions.filter { $0.holds == true }
        let numeric = held.first { if case .number = $0.left { true } else { false } }
        return held.first(where: \.readsAggregate) ?? numeric ?? held.first ?? conditions.first
    }
}

/// Where an event was read from.
package struct EventSource: Sendable, Hashable {
    package let topic: String
    package let partition: Int32
    package let offset: Int64

    package init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}
