package import VigilValues

/// Everything the engine needs to run a rule set, resolved to indices so evaluation does no lookups.
package struct RulePlan: Sendable {
    /// Content hash of every rule, list and table file, so the engine can tell a real change from a touch.
    package let version: String
    /// Every field any rule or filter reads; the position is the field's `FieldID.index`.
    package let fields: [FieldSpec]
    /// One entry per distinct aggregate, shared by every rule that writes the same one.
    package let aggregators: [AggregatorSpec]
    package let rules: [CompiledRule]
    package let warnings: [Diagnostic]
    /// What the plan was compiled from, kept so a subset of its rules can be planned on its own.
    let sources: [RuleSource]
    /// The named lists, by name.
    package let lists: [String: Set<String>]
    /// The lookup tables, by name.
    package let tables: [String: LookupTable]

    /// The same rule set reduced to `ruleIDs`, with only the fields and aggregators those rules
    /// use: an engine running it keeps window state for these rules alone. Same version.
    package func restricted(to ruleIDs: Set<String>) throws(Diagnostics) -> RulePlan {
        try RuleCompiler.compile(sources, lists: lists, tables: tables, version: version, selecting: ruleIDs).get()
    }

    /// An error about the rule text at `location`, quoting its line with a caret, for checks made
    /// after compilation (such as how rules can be spread over partitions).
    package func diagnostic(at location: SourceLocation, length: Int, _ message: String) -> Diagnostic {
        let text = sources.first { $0.path == location.file }?.text ?? ""
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(location.line - 1).first.map(String.init) ?? ""
        return Diagnostic(severity: .error, location: location, message: message, sourceLine: line, length: length)
    }

    /// Every field an event may give the rule set, built-in or declared, with its type: what a
    /// rule test's event fields are read as. Reads the rule files' declarations again, so it is
    /// meant for tools, not for the hot path.
    package var fieldTypes: [String: ValueType] {
        var compilation = Compilation(lists: lists, tables: tables)
        compilation.declare(sources.flatMap { RuleFileReader.read(SourceFile(path: $0.path, text: $0.text)).fields })
        return compilation.vocabulary.fieldTypes
    }

    /// The fields every one of `keys` names, in the first key's order: where one partitioning of
    /// the input keeps each key's events together. Empty when they share none, or there are none.
    package static func sharedFields(of keys: [[String]]) -> [String] {
        guard let first = keys.first else { return [] }
        let common = keys.dropFirst().reduce(Set(first)) { $0.intersection($1) }
        return first.filter(common.contains)
    }

    /// The key fields of each aggregate a rule reads, by name (empty for a rule without aggregates).
    package func aggregateKeys(of rule: CompiledRule) -> [[String]] {
        rule.aggregators.map { id in aggregators[id.index].keyFields.map { fields[$0.index].name } }
    }

    /// How far back in event time state can matter: the longest window or cooldown.
    package var longestMemoryMilliseconds: Int64 {
        let windows = aggregators.map(\.windowMilliseconds).max() ?? 0
        let cooldowns = rules.compactMap(\.cooldownMilliseconds).max() ?? 0
        return max(windows, cooldowns)
    }
}

package struct AggregatorID: Hashable, Sendable {
    package let index: Int

    package init(index: Int) {
        self.index = index
    }
}

package enum AggregateFunction: Hashable, Sendable {
    case count
    case sum(FieldID)
    case average(FieldID)
    case minimum(FieldID)
    case maximum(FieldID)
    case distinct(FieldID)
}

/// A sliding-window aggregate the engine maintains for the rules.
package struct AggregatorSpec: Sendable {
    package let function: AggregateFunction
    /// The key fields in the order written; together they select one window.
    package let keyFields: [FieldID]
    package let windowMilliseconds: Int64
    /// Only events for which this holds enter the window; unknown counts as not holding.
    package let filter: CompiledPredicate?
    /// Normalised source; equal text means the same aggregator within a plan.
    package let canonicalText: String
    /// A digest of the contents of each list and table the filter reads (empty when it reads
    /// none). It is part of the state's name: when a list changes, the window state recorded
    /// under the old contents is not carried over, and the new state is filled from history.
    package let contentTag: String
    /// The aggregate as the first rule that reads it wrote its window (`over: 24h` where the
    /// canonical text says `1d`), so that what people read matches the rule.
    package let writtenText: String
    /// The window as that rule wrote it.
    package let writtenWindow: String
    /// The window state the aggregator reads, maybe with aggregators of other functions.
    package internal(set) var state: WindowStateSpec

    /// The name of a window state of this aggregator's own function, across reloads and in snapshots.
    package var ownStateText: String { canonicalText + contentTag }
}

/// What one window store records, for the aggregators that read it.
///
/// Aggregators over the same keys, window and filter share a store when one store answers all
/// their functions. A store of numbers answers their sum, their average and how many there are:
/// `sum(x, …)` and `avg(x, …)` share one, and so does `count(…)` when `x` is a field every
/// evaluated event carries (`amount`), since the store then holds an entry for every event.
package struct WindowStateSpec: Hashable, Sendable {
    /// What the store records: numbers (`.sum`) for a shared store, else the aggregator's own function.
    package let function: AggregateFunction
    /// Names the state across reloads and in snapshots: the canonical text of the aggregator whose
    /// function the store records (for numbers, `sum(x, …)`, whether or not a rule reads the sum),
    /// with its content tag.
    package let text: String

    package init(function: AggregateFunction, text: String) {
        self.function = function
        self.text = text
    }
}

/// A `where:` filter, evaluated over the decoded fields of one event.
package struct CompiledPredicate: Sendable {
    package let canonicalText: String
    let body: Evaluator<FieldValues>.Logic

    /// `nil` when a field the filter reads is missing.
    package func evaluate(_ fields: [Value?]) -> Bool? {
        body(FieldValues(values: fields))
    }
}

package enum RuleMode: String, Sendable, CaseIterable {
    case active
    case shadow
}

package enum Severity: String, Sendable, Comparable, CaseIterable {
    case info, low, medium, high, critical

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// Filled by the engine before evaluating a rule: fields by `FieldID.index`, aggregates by `AggregatorID.index`.
///
/// The engine owns a frame per thread, so the runtime exclusivity checks Swift would make on
/// every rule evaluation buy nothing and are switched off for these two arrays.
package final class EvaluationFrame {
    @exclusivity(unchecked) package var fields: [Value?]
    @exclusivity(unchecked) package var aggregates: [Value?]

    package init(fieldCount: Int, aggregatorCount: Int) {
        fields = Array(repeating: nil, count: fieldCount)
        aggregates = Array(repeating: nil, count: aggregatorCount)
    }

    /// Swaps an event's fields and aggregates into the frame (or back out), without copying them.
    ///
    /// A method of this module on purpose: `@exclusivity(unchecked)` holds only where the property
    /// is declared, and every access to these arrays from another module is checked at run time
    /// (about a hundred instructions each, four times per event for a swap in and out).
    package func exchange(fields otherFields: inout [Value?], aggregates otherAggregates: inout [Value?]) {
        swap(&fields, &otherFields)
        swap(&aggregates, &otherAggregates)
    }
}

/// One comparison of a rule with what each side evaluated to, for an alert's explanation.
package struct ConditionTrace: Sendable {
    /// The comparison as normalised source, e.g. `count(by: card_id, over: 5m) > 5`.
    package let text: String
    package let left: Value?
    package let op: String
    package let right: Value?
    package let leftText: String
    package let rightText: String
    /// Whether this comparison was true for the event (nil when a side was unknown).
    package let holds: Bool?
    /// Whether a side reads a window aggregate: such a condition states the rule's limit best.
    package let readsAggregate: Bool
}
