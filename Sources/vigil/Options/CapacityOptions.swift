import ArgumentParser
import VigilEngine
import VigilRules

/// Traffic assumptions for the state estimate.
struct CapacityOptions: ParsableArguments {
    @Option(help: "Expected events per second across the whole group.")
    var eventsPerSecond = 1_000.0

    @Option(
        name: .customLong("cardinality"),
        help: "Distinct values of a field, field=count (repeatable), e.g. card_id=200000; for a key of several fields, join them with +, e.g. account_id+currency=120000."
    )
    var cardinalities: [String] = []

    @Option(help: "Distinct values assumed for fields not given with --cardinality (currency and country: at most their ISO code lists' 180 and 249).")
    var defaultCardinality = 100_000

    @Option(help: "Replicas of the consumer group sharing the keys.")
    var replicas = 3

    /// The budget `vigil rules check` holds a rule set to unless told otherwise.
    static let defaultBudget = "4GiB"

    /// - Parameter deduplication: the event ids kept for deduplication, counted with the windows.
    func assumptions(budget: String, deduplication: DeduplicationOptions) throws -> StateEstimate.Assumptions {
        var assumptions = StateEstimate.Assumptions()
        assumptions.duplicateWindowMilliseconds = deduplication.deduplicateWithin?.milliseconds
        assumptions.eventsPerSecond = eventsPerSecond
        assumptions.defaultCardinality = defaultCardinality
        assumptions.replicas = replicas
        for pair in cardinalities {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let fields = parts.first?.split(separator: "+", omittingEmptySubsequences: false).map(String.init) ?? []
            guard parts.count == 2, let count = Int(parts[1]), count > 0, !fields.contains(where: \.isEmpty) else {
                throw ValidationError("--cardinality takes field=count or field+field=count, got '\(pair)'")
            }
            assumptions.cardinality[StateEstimate.Assumptions.combinationName(fields)] = count
        }
        guard let bytes = ByteSize.parse(budget) else {
            throw ValidationError("--state-budget takes a size such as 512MiB or 4GiB, got '\(budget)'")
        }
        assumptions.budgetBytes = bytes
        return assumptions
    }

    /// Checked when the flags are parsed, so that a mistake shows the command's own usage.
    func validate() throws {
        if replicas < 1 { throw ValidationError("--replicas must be at least 1") }
        if !(eventsPerSecond > 0) { throw ValidationError("--events-per-second must be above 0") }
        if defaultCardinality < 1 { throw ValidationError("--default-cardinality must be at least 1") }
    }

    /// The estimate, with a warning for each `--cardinality` field or combination that no
    /// aggregate is keyed by: probably a misspelt name, whose own cardinality then silently fell
    /// back to the default.
    func estimate(for plan: RulePlan, budget: String, deduplication: DeduplicationOptions) throws -> StateEstimate {
        let assumptions = try assumptions(budget: budget, deduplication: deduplication)
        let keys = plan.rules.flatMap { plan.aggregateKeys(of: $0) }
        let named = Set(keys.joined()).union(keys.filter { $0.count > 1 }.map(StateEstimate.Assumptions.combinationName))
        for field in assumptions.cardinality.keys.sorted() where !named.contains(field) {
            printToStandardError("warning: --cardinality \(field)=…: no aggregate of these rules is keyed by '\(field)'")
        }
        return StateEstimate(plan: plan, assumptions: assumptions)
    }
}
