/// What the HTTP surface needs to know about the replica's health; the pipeline implements it.
package protocol HealthSource: Sendable {
    /// The processing loop is alive (polled within the last few seconds). Liveness never depends on Kafka.
    var isAlive: Bool { get }
    /// Why this replica should not receive traffic now, or nil when ready.
    var notReadyReason: String? { get }
}

/// Rule administration behind `/rules`; the application implements it over its rule reloader.
package protocol RuleAdmin: Sendable {
    /// The rule set in force, with each rule's counts since start.
    func activeRuleSet() -> RuleSetDescription
    /// Compiles the rules directory now and swaps to it when valid; called from a request task, may block briefly.
    func reloadRules() -> RuleReloadResult
}
