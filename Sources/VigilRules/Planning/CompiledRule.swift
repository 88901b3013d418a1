package import VigilValues

/// One rule, ready to run: its condition is a closure tree over resolved indices.
package struct CompiledRule: Sendable {
    package let id: String
    package let description: String
    package let severity: Severity
    package let labels: [String: String]
    package let mode: RuleMode
    package let cooldownMilliseconds: Int64?
    /// The expression as the analyst wrote it.
    package let expressionText: String
    /// Where the expression starts in its rule file.
    package let location: SourceLocation
    package let aggregators: [AggregatorID]
    /// Fields the rule reads itself; fields read only through aggregates are not listed.
    package let fields: [FieldID]
    let condition: Evaluator.Logic
    let probes: [Probe]

    /// Hot path: `nil` means unknown (a value was missing), which the engine counts but does not alert on.
    @inline(__always)
    package func evaluate(_ frame: EvaluationFrame) -> Bool? {
        condition(frame.fields, frame.aggregates)
    }

    /// Slow path for a firing rule: every comparison with the values its sides had.
    package func explain(_ frame: EvaluationFrame) -> [ConditionTrace] {
        probes.map { $0.trace(frame.fields, frame.aggregates) }
    }
}

/// A comparison inside a rule, kept to explain alerts.
struct Probe: Sendable {
    let text: String
    let op: String
    let leftText: String
    let rightText: String
    let left: Evaluator.Boxed
    let right: Evaluator.Boxed?

    func trace(_ fields: [Value?], _ aggregates: [Value?]) -> ConditionTrace {
        ConditionTrace(
            text: text, left: left(fields, aggregates), op: op, right: right?(fields, aggregates),
            leftText: leftText, rightText: rightText)
    }

    /// Every comparison, membership test and string test in the condition, left to right.
    static func collect(_ expression: Typed) -> [Probe] {
        switch expression.node {
        case .not(let operand): return collect(operand)
        case .logical(_, let left, let right): return collect(left) + collect(right)
        case .comparison(let op, let left, let right): return [probe(expression, op.rawValue, left, right)]
        case .textTest(let test, let left, let right): return [probe(expression, test.rawValue, left, right)]
        case .membership(let element, _, let negated):
            let rightText = expression.text.split(separator: " in ", maxSplits: 1).last.map(String.init) ?? ""
            return [
                Probe(text: expression.text, op: negated ? "not in" : "in", leftText: element.text, rightText: rightText,
                      left: Evaluator.value(element), right: nil)
            ]
        case .constant, .field, .aggregate, .negate, .arithmetic: return []
        }
    }

    private static func probe(_ expression: Typed, _ op: String, _ left: Typed, _ right: Typed) -> Probe {
        Probe(
            text: expression.text, op: op, leftText: left.text, rightText: right.text,
            left: Evaluator.value(left), right: Evaluator.value(right))
    }
}
