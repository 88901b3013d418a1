package import VigilRules
import VigilValues

/// How much window state a rule set will hold, from the traffic an operator expects.
///
/// Every event an aggregator accepts stays in its window for the window's width, so state grows
/// with rate × width, plus a fixed cost per active key. The per-entry and per-key costs are the
/// window store's measured figures (docs/performance.md); filters are assumed to pass everything,
/// so the estimate errs high. A state that several aggregators read counts once.
package struct StateEstimate: Sendable {
    package struct Assumptions: Sendable {
        package var eventsPerSecond = 1_000.0
        /// Distinct values per field, e.g. `card_id: 200_000`, or per combination of fields named by
        /// ``combinationName(_:)``, e.g. `account_id+currency: 120_000`; see ``distinctKeys(of:)``.
        package var cardinality: [String: Int] = [:]
        package var defaultCardinality = 100_000
        /// Replicas of the consumer group: each holds the windows of its share of the keys.
        package var replicas = 3
        /// A rule set whose state per replica would exceed this is flagged by `vigil rules check`.
        package var budgetBytes = 4 << 30
        /// How long event ids are remembered (`--deduplicate-within`); nil when they are not.
        package var duplicateWindowMilliseconds: Int64?

        /// Built-in fields whose values come from a standard code list: ISO 4217 has about 180
        /// currencies in use, ISO 3166-1 249 countries. Without these, a key such as
        /// `[account_id, currency]` would be taken for 100,000 × 100,000 combinations.
        static let codeListSizes = ["currency": 180, "country": 249]

        package init() {}

        /// The field's `cardinality`, else its code list's size (capped by `defaultCardinality`),
        /// else `defaultCardinality`.
        package func distinctValues(of field: String) -> Int {
            cardinality[field] ?? min(Self.codeListSizes[field] ?? defaultCardinality, defaultCardinality)
        }

        /// Keys of a window keyed by `fields`: the combination's own `cardinality` when given, else
        /// every combination of the fields' values. The product errs high for fields that go
        /// together (an account pays in one or two currencies, not in all 180), which is what
        /// giving the combination corrects.
        package func distinctKeys(of fields: [String]) -> Double {
            if fields.count > 1, let given = cardinality[Self.combinationName(fields)] { return Double(given) }
            return fields.map { Double(distinctValues(of: $0)) }.reduce(1, *)
        }

        /// How a combination is named in `cardinality`: its fields in alphabetical order, joined
        /// by `+`, so that `currency+account_id` and `account_id+currency` are one.
        package static func combinationName(_ fields: [String]) -> String {
            fields.sorted().joined(separator: "+")
        }
    }

    package struct Aggregator: Sendable {
        /// The aggregate as its first rule wrote it (see ``AggregatorSpec/writtenText``).
        package let text: String
        package let rules: [String]
        /// The window as that rule wrote it.
        package let window: String
        package let retainedEntries: Double
        package let activeKeys: Double
        package let bytes: Double
        /// The aggregator listed earlier whose state this one reads; its entries, keys and bytes
        /// are counted there, and zero here.
        package let readsStateOf: String?

        package var bytesPerKey: Double { activeKeys > 0 ? bytes / activeKeys : 0 }
    }

    package let aggregators: [Aggregator]
    package let assumptions: Assumptions

    /// The event ids every replica together remembers for deduplication, at the measured cost
    /// of one id (docs: README, "A payment delivered twice").
    package var eventIDBytes: Double {
        guard let window = assumptions.duplicateWindowMilliseconds else { return 0 }
        return assumptions.eventsPerSecond * Double(window) / 1000 * Self.bytesPerEventID
    }

    package var totalBytes: Double { aggregators.map(\.bytes).reduce(0, +) + eventIDBytes }
    package var bytesPerReplica: Double { totalBytes / Double(max(1, assumptions.replicas)) }
    package var exceedsBudget: Bool { bytesPerReplica > Double(assumptions.budgetBytes) }

    /// Bytes per active key: the key's string, its slot in the key table and its entry buffer.
    static let bytesPerKey = 200.0
    /// Bytes per remembered event id, whatever its length: its fingerprint and where it was first
    /// counted in a table slot, and its place in arrival order. Measured 70-92; a table or array
    /// that just doubled holds more.
    static let bytesPerEventID = 120.0

    package init(plan: RulePlan, assumptions: Assumptions) {
        self.assumptions = assumptions
        var firstReaderOfState: [String: String] = [:]
        aggregators = plan.aggregators.enumerated().map { index, spec in
            let users = plan.rules.filter { $0.aggregators.contains(AggregatorID(index: index)) }.map(\.id)
            if let first = firstReaderOfState[spec.state.text] {
                return Aggregator(
                    text: spec.writtenText, rules: users, window: spec.writtenWindow,
                    retainedEntries: 0, activeKeys: 0, bytes: 0, readsStateOf: first)
            }
            firstReaderOfState[spec.state.text] = spec.writtenText
            let entries = assumptions.eventsPerSecond * Double(spec.windowMilliseconds) / 1000
            let names = spec.keyFields.map { plan.fields[$0.index].name }
            let keys = min(assumptions.distinctKeys(of: names), entries)
            let bytes = entries * Self.bytesPerEntry(spec.state.function) + keys * Self.bytesPerKey
            return Aggregator(
                text: spec.writtenText, rules: users, window: spec.writtenWindow,
                retainedEntries: entries, activeKeys: keys, bytes: bytes, readsStateOf: nil
            )
        }
    }

    /// Bytes per retained entry by function, as measured with 100k keys.
    static func bytesPerEntry(_ function: AggregateFunction) -> Double {
        switch function {
        case .count: 18
        case .sum, .average: 31
        case .minimum, .maximum: 43
        case .distinct: 34
        }
    }
}
