import VigilEngine
import VigilRules

extension StateEstimate {
    /// The finding that refuses a rule set whose window state per replica would exceed the budget,
    /// placed at the rule that reads the largest state, where an analyst would start cutting.
    /// `vigil rules check` prints it; `vigil run --state-budget` refuses such a set with it, at
    /// start or on a reload, and keeps the running one.
    func budgetProblem(in plan: RulePlan, directory: String) -> Diagnostic? {
        guard exceedsBudget else { return nil }
        let largest = aggregators.max { $0.bytes < $1.bytes }
        let rule = largest.flatMap { aggregator in plan.rules.first { aggregator.rules.contains($0.id) } }
        var message = "estimated window state \(ByteSize.text(bytesPerReplica)) per replica exceeds the budget of "
            + "\(ByteSize.text(Double(assumptions.budgetBytes))) (at \(Int(assumptions.eventsPerSecond)) events/s over "
            + "\(assumptions.replicas) replicas)"
        if eventIDBytes > 0 {
            message += ", of which \(ByteSize.text(eventIDBytes / Double(max(1, assumptions.replicas)))) are event ids kept by --deduplicate-within"
        }
        if let largest, let rule {
            let share = largest.bytes / Double(max(1, assumptions.replicas))
            message += "; \(largest.text) of \(rule.id) holds the most, \(ByteSize.text(share)) of it"
        }
        message += "; `vigil rules explain \(directory)` shows every window"
        return Diagnostic(
            severity: .error, location: rule?.location ?? SourceLocation(file: directory, line: 0, column: 0), message: message,
            sourceLine: "", length: 1)
    }
}
