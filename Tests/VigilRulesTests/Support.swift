@testable import VigilRules
import VigilValues

/// Compiles a one-file rule set whose only rule has the given expression.
func compileExpression(
    _ expression: String, fields: String = "", lists: [String: [String]] = [:], tables: [String: String] = [:]
) -> Result<RulePlan, Diagnostics> {
    let yaml = """
        \(fields)
        rules:
          - id: under-test
            description: Rule under test
            severity: high
            expression: '\(expression.replacing("'", with: "''"))'
        """
    return RuleCompiler.compile(sources: [RuleSource(path: "test.yaml", text: yaml)], lists: lists, tables: tables)
}

/// Parses a value written as in a table: `"x"` string, `true`/`false`, `-` missing, else a number.
func value(_ text: String) -> Value? {
    if text == "-" { return nil }
    if text == "true" || text == "false" { return .bool(text == "true") }
    if text.hasPrefix("\"") { return .string(String(text.dropFirst().dropLast())) }
    return ExactDecimal(text).map(Value.number)
}

/// Evaluates the single rule of `plan` with named field values and aggregate values in plan order.
func evaluate(_ plan: RulePlan, fields: [String: String], aggregates: [String] = []) -> Bool? {
    let frame = EvaluationFrame(fieldCount: plan.fields.count, aggregatorCount: plan.aggregators.count)
    for (index, spec) in plan.fields.enumerated() {
        frame.fields[index] = fields[spec.name].flatMap(value)
    }
    for (index, text) in aggregates.enumerated() where index < frame.aggregates.count {
        frame.aggregates[index] = value(text)
    }
    return plan.rules.first?.evaluate(frame)
}

extension Result {
    var plan: Success? {
        if case .success(let plan) = self { plan } else { nil }
    }

    var diagnostics: Failure? {
        if case .failure(let diagnostics) = self { diagnostics } else { nil }
    }
}
