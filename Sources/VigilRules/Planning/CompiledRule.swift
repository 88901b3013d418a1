package import VigilValues

/// One rule, ready to run: its condition is a closure tree over resolved indices.
///
/// The parts live in one shared object so that copying a rule, as any `for rule in plan.rules`
/// loop on the hot path does, costs a single reference count rather than one per property.
package struct CompiledRule: Sendable {
    private let parts: Parts

    package var id: String { parts.id }
    package var description: String { parts.description }
    package var severity: Severity { parts.severity }
    package var labels: [String: String] { parts.labels }
    package var mode: RuleMode { parts.mode }
    package var cooldownMilliseconds: Int64? { parts.cooldownMilliseconds }
    /// The cooldown as the rule wrote it (`24h`, not `1d`); nil without a cooldown.
    package var cooldownText: String? { parts.cooldownMilliseconds == nil ? nil : parts.cooldownText }
    /// The expression as the analyst wrote it.
    package var expressionText: String { parts.expressionText }
    /// Where the expression starts in its rule file.
    package var location: SourceLocation { parts.location }
    package var aggregators: [AggregatorID] { parts.aggregators }
    /// Fields the rule reads itself; fields read only through aggregates are not listed.
    package var fields: [FieldID] { parts.fields }
    /// The names of the tables the rule reads, its filters' included.
    package var tables: [String] { parts.tables }
    /// The names of the lists the rule reads, its filters' included.
    package var lists: [String] { parts.lists }

    init(_ parts: Parts) {
        self.parts = parts
    }

    /// Hot path: `nil` means unknown (a value was missing), which the engine counts but does not alert on.
    @inline(__always)
    package func evaluate(_ frame: EvaluationFrame) -> Bool? {
        parts.condition(frame)
    }

    /// Slow path for a firing rule: every comparison with the values its sides had.
    package func explain(_ frame: EvaluationFrame) -> [ConditionTrace] {
        parts.probes.map { $0.trace(frame) }
    }

    /// Slow path for a firing rule: every table read of the rule itself, with its key and value.
    package func explainLookups(_ frame: EvaluationFrame) -> [LookupTrace] {
        parts.lookups.map { $0.trace(frame) }
    }

    final class Parts: Sendable {
        let id: String
        let description: String
        let severity: Severity
        let labels: [String: String]
        let mode: RuleMode
        let cooldownMilliseconds: Int64?
        let cooldownText: String?
        let expressionText: String
        let location: SourceLocation
        let aggregators: [AggregatorID]
        let fields: [FieldID]
        let tables: [String]
        let lists: [String]
        let condition: Evaluator<EvaluationFrame>.Logic
        let probes: [Probe]
        let lookups: [LookupProbe]

        init(draft: RuleDraft, location: SourceLocation, reads: Reads, condition: Typed) {
            id = draft.id ?? ""
            description = draft.description ?? ""
            severity = draft.severity ?? .info
            labels = draft.labels
            mode = draft.mode
            cooldownMilliseconds = draft.cooldownMilliseconds
            cooldownText = draft.cooldownText
            expressionText = draft.expression ?? ""
            self.location = location
            aggregators = reads.aggregators
            fields = reads.fields
            tables = reads.tables
            lists = reads.lists
            self.condition = Evaluator<EvaluationFrame>.logic(condition)
            probes = Probe.collect(condition)
            lookups = reads.lookups.compactMap(LookupProbe.init)
        }
    }

    /// What a rule reads besides its condition's constants, as the checker found it.
    struct Reads {
        var aggregators: [AggregatorID]
        var fields: [FieldID]
        /// The rule's own table reads (``Typed/Node/lookup(_:key:)`` nodes), for explanations.
        var lookups: [Typed]
        var tables: [String]
        var lists: [String]
    }
}

/// A table read inside a rule, kept to explain alerts.
struct LookupProbe: Sendable {
    let text: String
    let keyText: String
    let table: LookupTable
    let key: Evaluator<EvaluationFrame>.Text

    init?(_ read: Typed) {
        guard case .lookup(let table, let key) = read.node else { return nil }
        text = read.text
        keyText = key.text
        self.table = table
        self.key = Evaluator<EvaluationFrame>.text(key)
    }

    func trace(_ frame: EvaluationFrame) -> LookupTrace {
        let key = key(frame)
        let row = key.flatMap { table.rows[$0] }
        let value = row ?? key.flatMap { _ in table.defaultValue }
        return LookupTrace(text: text, keyText: keyText, key: key, value: value, isDefault: row == nil && value != nil)
    }
}

/// A comparison inside a rule, kept to explain alerts.
struct Probe: Sendable {
    let text: String
    let op: String
    let leftText: String
    let rightText: String
    let left: Evaluator<EvaluationFrame>.Boxed
    let right: Evaluator<EvaluationFrame>.Boxed?
    let holds: Evaluator<EvaluationFrame>.Logic
    let readsAggregate: Bool

    func trace(_ frame: EvaluationFrame) -> ConditionTrace {
        ConditionTrace(
            text: text, left: left(frame), op: op, right: right?(frame),
            leftText: leftText, rightText: rightText, holds: holds(frame), readsAggregate: readsAggregate)
    }

    /// Every comparison, membership test and string test in the condition, left to right.
    static func collect(_ expression: Typed) -> [Probe] {
        switch expression.node {
        case .not(let operand): return collect(operand)
        case .logical(_, let left, let right): return collect(left) + collect(right)
        case .comparison(let op, let left, let right): return [probe(expression, op.rawValue, left, right)]
        case .textTest(let test, let left, let right): return [probe(expression, test.rawValue, left, right)]
        case .membership(let element, _, let setText, let negated):
            let op = negated ? "not in" : "in"
            return [
                Probe(
                    text: expression.text, op: op, leftText: element.text, rightText: setText,
                    left: Evaluator<EvaluationFrame>.value(element), right: nil,
                    holds: Evaluator<EvaluationFrame>.logic(expression), readsAggregate: element.readsAggregate)
            ]
        case .constant, .field, .aggregate, .negate, .arithmetic, .lookup: return []
        }
    }

    private static func probe(_ expression: Typed, _ op: String, _ left: Typed, _ right: Typed) -> Probe {
        Probe(
            text: expression.text, op: op, leftText: left.text, rightText: right.text,
            left: Evaluator<EvaluationFrame>.value(left), right: Evaluator<EvaluationFrame>.value(right),
            holds: Evaluator<EvaluationFrame>.logic(expression), readsAggregate: left.readsAggregate || right.readsAggregate)
    }
}

extension Typed {
    /// Whether any part of this expression reads a window aggregate.
    var readsAggregate: Bool {
        switch node {
        case .aggregate: true
        case .constant, .field: false
        case .not(let operand), .negate(let operand): operand.readsAggregate
        case .logical(_, let left, let right), .comparison(_, let left, let right), .arithmetic(_, let left, let right),
            .textTest(_, let left, let right):
            left.readsAggregate || right.readsAggregate
        case .membership(let element, _, _, _): element.readsAggregate
        case .lookup(_, let key): key.readsAggregate
        }
    }
}
