import ArgumentParser
import Logging
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
            printToStandardError(diagnostics.rendered)
            let errors = diagnostics.items.filter { $0.severity == .error }.count
            printToStandardError("\(errors) error\(errors == 1 ? "" : "s") in \(directory); nothing was loaded")
            throw ExitCode(2)
        }
    }
}
