import VigilEvents
import VigilRules
import VigilValues

extension Engine {
    /// Builds the alert for a matched rule, unless its cooldown holds it back. The slow path:
    /// it runs only when a rule matches.
    func fire(ruleIndex: Int, source: EventSource, now: Int64) -> Alert? {
        let rule = plan.rules[ruleIndex]
        // Read once: each read of the frame's fields from this module is checked for exclusive
        // access at run time, at about a hundred instructions a time.
        let fields = frame.fields
        let keySource = alertKeySource(for: rule, fields: fields)
        var suppressed = 0
        if let cooldown = rule.cooldownMilliseconds {
            switch cooldownLedger.decide(rule: ruleIndex, key: cooldownKey(keySource, fields: fields), time: event.timestamp, cooldown: cooldown, horizon: watermark) {
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
            key: alertKey(keySource, fields: fields),
            eventID: event.eventID,
            eventTime: event.timestamp,
            detectedAt: now,
            rulesetVersion: plan.version,
            source: source,
            suppressedFirings: suppressed,
            explanation: explain(rule)
        )
    }

    /// Which of the event's values name the entity a matched rule is about.
    private enum AlertKeySource {
        /// The key fields of the rule's first aggregate, all present in the event.
        case aggregateKey([FieldID])
        /// The first entity field the event has.
        case entity(FieldID)
        case eventID
    }

    /// The rule's first aggregate's key fields, or else the first entity field the event has, or
    /// else the event id. Nothing is built here: most matches of a rule with a cooldown are held
    /// back, and need only the key's text for the ledger.
    private func alertKeySource(for rule: CompiledRule, fields: [Value?]) -> AlertKeySource {
        if let first = rule.aggregators.first {
            let keyFields = plan.aggregators[first.index].keyFields
            if keyFields.allSatisfy({ fields[$0.index] != nil }) { return .aggregateKey(keyFields) }
        }
        if let id = fieldTable.entityFields.first(where: { fields[$0.index] != nil }) { return .entity(id) }
        return .eventID
    }

    /// The alert's key as labelled pairs.
    ///
    /// The pairs are built with their labels: an array of unlabelled pairs returned as labelled ones
    /// is converted element by element into a new array (`_arrayForceCast`).
    private func alertKey(_ source: AlertKeySource, fields: [Value?]) -> [(field: String, value: Value)] {
        let specs = fieldTable.specs
        switch source {
        case .aggregateKey(let keyFields):
            return keyFields.compactMap { id -> (field: String, value: Value)? in
                fields[id.index].map { (field: specs[id.index].name, value: $0) }
            }
        case .entity(let id):
            return fields[id.index].map { [(field: specs[id.index].name, value: $0)] } ?? []
        case .eventID:
            return [(field: "event_id", value: .string(event.eventID))]
        }
    }

    /// The alert key's values as the cooldown ledger keys them (``Alert/joinedKey(_:)``); a
    /// one-field key, the usual case, is its value's text without an array to join.
    private func cooldownKey(_ source: AlertKeySource, fields: [Value?]) -> String {
        switch source {
        case .aggregateKey(let keyFields) where keyFields.count == 1:
            return fields[keyFields[0].index]?.description ?? ""
        case .aggregateKey(let keyFields):
            return Alert.joinedKey(keyFields.compactMap { fields[$0.index] })
        case .entity(let id):
            return fields[id.index]?.description ?? ""
        case .eventID:
            return event.eventID
        }
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
            lookups: rule.explainLookups(frame),
            fields: fields
        )
    }
}
