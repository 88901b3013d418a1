import Foundation
import ArgumentParser
import Logging
import VigilPipeline
import VigilRules

/// Compiles a rules directory for a command, printing every diagnostic the way analysts read them.
enum RuleLoading {
    /// - Throws: exit code 2 after printing the diagnostics, when the directory does not compile.
    static func compile(directory: String, logger: Logger? = nil) throws -> RulePlan {
        switch RuleCompiler.compile(directory: directory) {
        case .success(let plan):
            for warning in plan.warnings { printToStandardError(warning.rendered) }
            logger?.info(
                "rules loaded",
                metadata: ["directory": "\(directory)", "rules": "\(plan.rules.count)", "version": "\(plan.version)"]
            )
            return plan
        case .failure(let diagnostics):
            throw fail(diagnostics, in: directory)
        }
    }

    /// Prints every diagnostic and the count of errors in `place`, and gives the exit code for a load error.
    static func fail(_ diagnostics: Diagnostics, in place: String) -> ExitCode {
        printToStandardError(diagnostics.rendered)
        let errors = diagnostics.items.filter { $0.severity == .error }.count
        printToStandardError("\(errors) error\(errors == 1 ? "" : "s") in \(place); nothing was loaded")
        return ExitCode(2)
    }
}

/// Where the rules of a set run, for the commands that inspect rules without running them.
struct RoutingOptions: ParsableArguments {
    @Option(help: "Consumer group id (repartition topics are named after it).")
    var group = "vigil"

    @Option(help: "Topic of payment events.")
    var input = "payments"

    @Option(help: "Fields the input topic is keyed by, comma-separated ('' for none).")
    var inputKey = "card_id"

    var inputKeyFields: [String] {
        inputKey.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

extension RuleLoading {
    /// - Throws: exit code 2 after printing the diagnostics, when a rule cannot be spread over partitions.
    static func topology(of plan: RulePlan, group: String, input: String, inputKey: [String]) throws -> PipelineTopology {
        do {
            return try PipelineTopology(plan: plan, inputTopic: input, inputKey: inputKey, group: group)
        } catch {
            printToStandardError(error.rendered)
            throw ExitCode(2)
        }
    }
}
