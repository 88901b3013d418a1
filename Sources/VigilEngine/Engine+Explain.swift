import VigilEvents
import VigilRules

extension Engine {
    /// Why the rule `ruleID` held or not on the event evaluated last, as an alert would explain it,
    /// whether or not it fired: for a rule test whose expectation was not met.
    ///
    /// Valid after `process` returned `.evaluated`, until the next `process`. The event's fields and
    /// aggregates are still in the engine then, so nothing is recomputed and `process` keeps no
    /// trace of its own: only a caller that asks pays. Nil when no rule has the id.
    package func explainLastEvent(rule ruleID: String) -> AlertExplanation? {
        guard let rule = plan.rules.first(where: { $0.id == ruleID }) else { return nil }
        frame.exchange(fields: &event.fields, aggregates: &aggregates)
        defer { frame.exchange(fields: &event.fields, aggregates: &aggregates) }
        return explain(rule)
    }
}
