import VigilRules

/// Counters of what the engine did, for the pipeline's summary and metrics.
package struct EngineStatistics: Sendable {
    package struct RuleCounters: Sendable {
        package let ruleID: String
        /// Evaluations that returned true, before the cooldown.
        package var matched = 0
        package var fired = 0
        package var suppressed = 0
        /// Evaluations that could not decide because a field or aggregate was missing.
        package var unknown = 0
    }

    package var eventsSeen = 0
    package var rejected = 0
    package var late = 0
    /// Events set aside as second deliveries of an event id (see `EngineOptions.duplicateWindowMilliseconds`).
    package var duplicates = 0
    /// Events set aside as too far ahead of their message's timestamp (see `EngineOptions.maximumTimeAheadMilliseconds`).
    package var aheadOfMessage = 0
    package var rules: [RuleCounters]

    init(rules: [CompiledRule]) {
        self.rules = rules.map { RuleCounters(ruleID: $0.id) }
    }

    /// The counters for a new rule set: rules that keep their id keep their counts.
    func carried(to newRules: [CompiledRule]) -> EngineStatistics {
        let byID = Dictionary(rules.map { ($0.ruleID, $0) }, uniquingKeysWith: { first, _ in first })
        var carried = self
        carried.rules = newRules.map { byID[$0.id] ?? RuleCounters(ruleID: $0.id) }
        return carried
    }
}
