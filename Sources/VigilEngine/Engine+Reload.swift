import VigilEvents
package import VigilRules
package import VigilValues

extension Engine {
    /// What a rule-set swap kept and what it started afresh.
    package struct ReloadSummary: Sendable, Equatable {
        /// Aggregators whose definition did not change: their window state carries over.
        package var keptAggregators = 0
        /// New or changed aggregators: they start empty.
        package var startedAggregators = 0
        /// Window states no aggregator reads any more: they are released.
        package var droppedAggregators = 0
    }

    /// Switches to another rule set between two events.
    ///
    /// Window state follows the aggregator's definition, not its position: an aggregator with the
    /// same canonical text (function, field, key, window, filter) keeps its state, so editing one rule
    /// does not blind the others; so does one whose plan names a state that exists (a new average
    /// reads an existing sum's store). Cooldowns and counters follow the rule id.
    ///
    /// The stores it starts are empty; the owner may fill them from the history the engine has
    /// already evaluated (see ``backfill(_:from:messageTime:)``). A store still waiting for that history when the
    /// next reload comes is started again, so that one backfill fills it once.
    /// - Parameter extraFields: the new fields to decode beyond the rules' (see `init`); nil keeps them.
    @discardableResult
    package func replace(plan newPlan: RulePlan, alsoDecoding extraFields: [FieldSpec]? = nil) -> ReloadSummary {
        let waiting = Set(backfilling.map { ObjectIdentifier(aggregators[$0].store) })
        let existing = stores.filter { !waiting.contains(ObjectIdentifier($0.value)) }
        let assignment = StateAssignment(plan: newPlan, existing: existing)
        let summary = ReloadSummary(
            keptAggregators: assignment.kept, startedAggregators: assignment.started, droppedAggregators: assignment.unused.count)
        aggregators = assignment.aggregators
        backfilling = aggregators.indices.filter { aggregators[$0].records && existing[aggregators[$0].stateName] == nil }
        historyAdmission = EventAdmission(options: options)
        keyGroups = KeyGroups(aggregators: aggregators)
        cooldownLedger = cooldownLedger.carried(from: plan.rules, to: newPlan.rules)
        statistics = statistics.carried(to: newPlan.rules)
        fieldTable = FieldTable(plan: newPlan, alsoDecoding: extraFields ?? fieldTable.extraFields)
        decoder = EventDecoder(fields: fieldTable.specs, maximumMessageBytes: options.maximumMessageBytes)
        event = PaymentEvent(fieldCount: fieldTable.specs.count)
        aggregates = Array(repeating: nil, count: newPlan.aggregators.count)
        plan = newPlan
        return summary
    }
}
