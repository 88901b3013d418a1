import VigilEvents
import VigilRules
import VigilValues

extension Engine {
    /// Builds the alert for a matched rule, unless its cooldown holds it back. The slow path:
    /// it runs only when a rule matches.
    func fire(ruleIndex: Int, source: EventSource, now: Int64) -> Alert? {
        let rule = plan.rules[ruleIndex]
        let key = alertKey(for: rule)
        var suppressed = 0
        if let cooldown = rule.cooldownMilliseconds {
            let keyText = Self.cooldownKey(key)
            switch cooldownLedger.decide(rule: ruleIndex, key: keyText, time: event.timestamp, cooldown: cooldown) {
            case .suppress:
                statistics.rules[ruleIndex].suppressed += 1
                return nil
            case .fire(let count):
                suppressed = count
            }
        }
        statistics.rules[ruleIndex].fired += 1
        return Alert(
            alertID: Alert.makeID(ruleID: rule.id, eventID: event.eventID),
            ruleID: rule.id,
            severity: rule.severity,
            mode: rule.mode,
            description: rule.description,
            labels: rule.labels,
            key: key,
            eventID: event.eventID,
            eventTime: event.timestamp,
            detectedAt: now,
            rulesetVersion: plan.version,
            source: source,
            suppressedFirings: suppressed,
            explanation: explain(rule)
        )
    }

    /// The entity the rule is keyed by: its first aggregate's key fields, or else the first
    /// entity field the event has, or else the event id.
    ///
    /// The pairs are built with their labels: an array of unlabelled pairs returned as labelled ones
    /// is converted element by element into a new array (`_arrayForceCast`), for every matched rule.
    private func alertKey(for rule: CompiledRule) -> [(field: String, value: Value)] {
        let specs = fieldTable.specs
        if let first = rule.aggregators.first {
            let keyFields = plan.aggregators[first.index].keyFields
            let fields = frame.fields
            let pairs = keyFields.compactMap { id -> (field: String, value: Value)? in
                fields[id.index].map { (field: specs[id.index].name, value: $0) }
            }
            if pairs.count == keyFields.count { return pairs }
        }
        for id in fieldTable.entityFields {
            if let value = frame.fields[id.index] { return [(specs[id.index].name, value)] }
        }
        return [("event_id", .string(event.eventID))]
    }

    /// The alert key's values as the cooldown ledger keys them, joined by `|`; a one-field key,
    /// the usual case, is its value's text without building an array to join.
    private static func cooldownKey(_ key: [(field: String, value: Value)]) -> String {
        guard key.count > 1 else { return key.first?.value.description ?? "" }
        return key.map(\.value.description).joined(separator: "|")
    }

    /// Reads the frame: call it only while the event's fields and aggregates are swapped in.
    func explain(_ rule: CompiledRule) -> AlertExplanation {
        let time = event.timestamp
        let readings = rule.aggregators.map { id in
            let spec = plan.aggregators[id.index]
            return AlertExplanation.AggregateReading(
                text: spec.canonicalText,
                value: frame.aggregates[id.index],
                windowMilliseconds: spec.windowMilliseconds,
                windowStart: time - spec.windowMilliseconds,
                windowEnd: time
            )
        }
        let fields = rule.fields.map { (fieldTable.specs[$0.index].name, frame.fields[$0.index]) }
        return AlertExplanation(
            expression: rule.expressionText,
            conditions: rule.explain(frame),
            aggregates: readings,
            fields: fields
        )
    }
}
