import ArgumentParser
import Logging
import VigilRules

/// Compiles a rules directory for a command, printing every diagnostic the way analysts read them.
enum RuleLoading {
    static func compile(directory: String, logger: Logger) throws -> RulePlan {
        switch RuleCompiler.compile(directory: directory) {
        case .success(let plan):
            for warning in plan.warnings { printToStandardError(warning.rendered) }
            logger.info(
                "rules loaded",
                metadata: ["directory": "\(directory)", "rules": "\(plan.rules.count)", "version": "\(plan.version)"]
            )
            return plan
        case .failure(let diagnostics):
            printToStandardError(diagnostics.rendered)
            throw ExitCode(2)
        }
    }
}
