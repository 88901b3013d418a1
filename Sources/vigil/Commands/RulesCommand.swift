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

struct RulesCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate every rule, list and table file; print all errors with file:line:col, or one OK line."
    )

    @Argument(help: "The rules directory.")
    var directory = "rules"

    @OptionGroup var capacity: CapacityOptions
    @Option(help: "Window-state budget per replica, e.g. 512MiB or 4GiB; check fails above it.")
    var stateBudget = CapacityOptions.defaultBudget
    @OptionGroup var deduplication: DeduplicationOptions
    @OptionGroup var routing: RoutingOptions

    func validate() throws {
        _ = try capacity.assumptions(budget: stateBudget, deduplication: deduplication)
    }

    func run() throws {
        let plan = try RuleLoading.compile(directory: directory)
        let topology = try RuleLoading.topology(of: plan, group: routing.group, input: routing.input, inputKey: routing.inputKeyFields)
        let estimate = try capacity.estimate(for: plan, budget: stateBudget, deduplication: deduplication)
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
                + "(\(Int(capacity.eventsPerSecond)) events/s over \(capacity.replicas) replicas"
                + "\(estimate.eventIDBytes > 0 ? ", event ids kept by --deduplicate-within included" : ""))"
        )
        if let problem = estimate.budgetProblem(in: plan, directory: directory) {
            printToStandardError(problem.rendered)
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

    @Flag(help: "Fail when a rule is expected to fire by no test, as well as when a test fails.")
    var requireEveryRule = false

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
        let untested = RuleTestRunner.rulesNoTestFires(suites, plan: plan)
        let fired = "\(plan.rules.count - untested.count) of \(plan.rules.count) rules fired"
        print("\(report.casesPassed) passed, \(report.casesFailed) failed (\(total) rule tests, \(report.eventsChecked) events, \(suites.count) files; \(fired))")
        if !untested.isEmpty {
            let list = untested.joined(separator: ", ")
            printToStandardError("\(requireEveryRule ? "error" : "warning"): no test expects \(list) to fire, so a change that breaks \(untested.count == 1 ? "it" : "them") passes every test")
        }
        if !report.failures.isEmpty || requireEveryRule && !untested.isEmpty { throw ExitCode.failure }
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
    @Option(help: "Window-state budget per replica, e.g. 512MiB or 4GiB, shown beside the estimate.")
    var stateBudget = CapacityOptions.defaultBudget
    @OptionGroup var deduplication: DeduplicationOptions
    @OptionGroup var routing: RoutingOptions

    func validate() throws {
        _ = try capacity.assumptions(budget: stateBudget, deduplication: deduplication)
    }

    func run() throws {
        let plan = try RuleLoading.compile(directory: directory)
        let topology = try RuleLoading.topology(of: plan, group: routing.group, input: routing.input, inputKey: routing.inputKeyFields)
        let estimate = try capacity.estimate(for: plan, budget: stateBudget, deduplication: deduplication)
        print(PlanExplanation(plan: plan, estimate: estimate, topology: topology).rendered)
    }
}
