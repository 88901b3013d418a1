import ArgumentParser
import VigilEngine
import VigilPipeline
import VigilRules

/// `vigil rules`: what analysts run before a rule change ships.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check, test and explain a rules directory.",
        subcommands: [RulesCheckCommand.self, RulesTestCommand.self, RulesExplainCommand.self]
    )
}

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

    @Option(help: "Window-state budget per replica, e.g. 512MiB or 4GiB; check fails above it.")
    var stateBudget = "4GiB"

    func assumptions() throws -> StateEstimate.Assumptions {
        var assumptions = StateEstimate.Assumptions()
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
        guard let budget = ByteSize.parse(stateBudget) else {
            throw ValidationError("--state-budget takes a size such as 512MiB or 4GiB, got '\(stateBudget)'")
        }
        assumptions.budgetBytes = budget
        return assumptions
    }

    /// Checked when the flags are parsed, so that a mistake shows the command's own usage.
    func validate() throws {
        if replicas < 1 { throw ValidationError("--replicas must be at least 1") }
        if !(eventsPerSecond > 0) { throw ValidationError("--events-per-second must be above 0") }
        if defaultCardinality < 1 { throw ValidationError("--default-cardinality must be at least 1") }
        _ = try assumptions()
    }

    /// The estimate, with a warning for each `--cardinality` field or combination that no
    /// aggregate is keyed by: probably a misspelt name, whose own cardinality then silently fell
    /// back to the default.
    func estimate(for plan: RulePlan) throws -> StateEstimate {
        let assumptions = try assumptions()
        let keys = plan.rules.flatMap { plan.aggregateKeys(of: $0) }
        let named = Set(keys.joined()).union(keys.filter { $0.count > 1 }.map(StateEstimate.Assumptions.combinationName))
        for field in assumptions.cardinality.keys.sorted() where !named.contains(field) {
            printToStandardError("warning: --cardinality \(field)=…: no aggregate of these rules is keyed by '\(field)'")
        }
        return StateEstimate(plan: plan, assumptions: assumptions)
    }
}

struct RulesCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate every rule, list and table file; print all errors with file:line:col, or one OK line."
    )

    @Argument(help: "The rules directory.")
    var directory = "rules"

    @OptionGroup var capacity: CapacityOptions
    @OptionGroup var routing: RoutingOptions

    func run() throws {
        let plan = try RuleLoading.compile(directory: directory)
        let topology = try RuleLoading.topology(of: plan, group: routing.group, input: routing.input, inputKey: routing.inputKeyFields)
        let estimate = try capacity.estimate(for: plan)
        let shadow = plan.rules.filter { $0.mode == .shadow }.count
        let states = Set(plan.aggregators.map(\.state)).count
        let topics = topology.repartitionStages.count
        let (lists, tables) = (plan.lists.count, plan.tables.count)
        print(
            "\(estimate.exceedsBudget ? "OVER BUDGET" : "OK") \(directory): \(plan.rules.count) rules (\(shadow) shadow), \(plan.aggregators.count) shared aggregators "
                + "over \(states) window state\(states == 1 ? "" : "s"), "
                + "\(plan.fields.count) fields, \(lists) list\(lists == 1 ? "" : "s"), \(tables) table\(tables == 1 ? "" : "s"), "
                + "\(topics) repartition topic\(topics == 1 ? "" : "s"), version \(plan.version); "
                + "estimated window state \(ByteSize.text(estimate.bytesPerReplica)) per replica "
                + "(\(Int(capacity.eventsPerSecond)) events/s over \(capacity.replicas) replicas)"
        )
        if estimate.exceedsBudget {
            printToStandardError(
                "error: estimated window state \(ByteSize.text(estimate.bytesPerReplica)) per replica exceeds the "
                    + "budget of \(capacity.stateBudget); `vigil rules explain \(directory)` shows which windows hold it"
            )
            throw ExitCode(3)
        }
    }
}

struct RulesTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the rule unit tests in <directory>/tests/*.yaml."
    )

    @Argument(help: "The rules directory.")
    var directory = "rules"

    func run() throws {
        let plan = try RuleLoading.compile(directory: directory)
        let suites: [RuleTestSuite]
        let folder = RuleTestLoader.folder(of: directory)
        switch RuleTestLoader.load(directory: directory, for: plan) {
        case .success(let loaded): suites = loaded
        case .failure(let diagnostics): throw RuleLoading.fail(diagnostics, in: folder)
        }
        guard suites.contains(where: { !$0.cases.isEmpty }) else {
            printToStandardError("error: no rule tests found in \(folder)/*.yaml (or *.yml)")
            throw ExitCode.failure
        }
        let report = RuleTestRunner.run(suites, plan: plan)
        for failure in report.failures { print(failure.rendered) }
        let total = report.casesPassed + report.casesFailed
        print("\(report.casesPassed) passed, \(report.casesFailed) failed (\(total) rule tests, \(report.eventsChecked) events, \(suites.count) files)")
        if !report.failures.isEmpty { throw ExitCode.failure }
    }
}

struct RulesExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the compiled plan: shared aggregators, the rules that read them, windows and state per key."
    )

    @Argument(help: "The rules directory.")
    var directory = "rules"

    @OptionGroup var capacity: CapacityOptions
    @OptionGroup var routing: RoutingOptions

    func run() throws {
        let plan = try RuleLoading.compile(directory: directory)
        let topology = try RuleLoading.topology(of: plan, group: routing.group, input: routing.input, inputKey: routing.inputKeyFields)
        let estimate = try capacity.estimate(for: plan)
        print(PlanExplanation(plan: plan, estimate: estimate, topology: topology).rendered)
    }
}
