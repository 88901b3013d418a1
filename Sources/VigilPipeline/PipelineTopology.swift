package import VigilRules

/// Where each rule runs, so every aggregate sees all events of its key in one place.
///
/// Kafka keeps a key's events together only for the key the input topic is partitioned by (say
/// `card_id`). A rule whose aggregates are all keyed by a superset of that key runs where the
/// input is read. Any other rule (per account, per device, per IP) runs on a repartition topic
/// that Vigil writes itself, keyed by the fields its aggregates share, as Kafka Streams does.
/// Rules whose keys have a field set in common share one such topic; a topic keyed by fewer
/// fields serves any rule whose keys contain them.
package struct PipelineTopology: Sendable {
    /// One place where rules run: the input topic, or a repartition topic.
    package struct Stage: Sendable {
        package let topic: String
        /// The fields the topic's messages are keyed by; for the input, the declared input key.
        package let keyFields: [String]
        /// Only this stage's rules, with only their aggregators.
        package let plan: RulePlan
        package let isInput: Bool
    }

    /// The input stage first, then one stage per repartition topic, in a stable order.
    package let stages: [Stage]

    /// - Parameters:
    ///   - inputKey: the fields the input topic is keyed by (empty: keyed by nothing useful, so
    ///     every rule with aggregates is repartitioned).
    ///   - group: the consumer group; repartition topics are named after it so that two rule
    ///     sets reading one input never share one.
    package init(plan: RulePlan, inputTopic: String, inputKey: [String], group: String) throws(Diagnostics) {
        var routes: [[String]] = []
        var ruleRoutes: [(rule: String, route: [String]?)] = []
        for (rule, route) in Self.candidateRoutes(plan: plan, inputKey: inputKey).sorted(by: { ($0.route?.count ?? 0) < ($1.route?.count ?? 0) }) {
            guard let route else {
                ruleRoutes.append((rule, nil))
                continue
            }
            // A topic keyed by a subset of this rule's common fields already keeps its keys together.
            let shared = routes.filter { Set($0).isSubset(of: route) }.min { $0.count < $1.count }
            if shared == nil { routes.append(route) }
            ruleRoutes.append((rule, shared ?? route))
        }
        let inputRules = Set(ruleRoutes.filter { $0.route == nil }.map(\.rule))
        var stages = [try Self.stage(plan, rules: inputRules, topic: inputTopic, keyFields: inputKey, isInput: true)]
        for route in routes.sorted(by: { $0.joined(separator: ".") < $1.joined(separator: ".") }) {
            let rules = Set(ruleRoutes.filter { $0.route == route }.map(\.rule))
            let topic = Self.repartitionTopic(group: group, input: inputTopic, keyFields: route)
            stages.append(try Self.stage(plan, rules: rules, topic: topic, keyFields: route, isInput: false))
        }
        self.stages = stages
    }

    /// `<group>-<input>-by-<field>[.<field>…]`, e.g. `vigil-payments-by-account_id`.
    package static func repartitionTopic(group: String, input: String, keyFields: [String]) -> String {
        "\(group)-\(input)-by-\(keyFields.joined(separator: "."))"
    }

    package var input: Stage { stages[0] }
    package var repartitionStages: ArraySlice<Stage> { stages.dropFirst() }
    package var topics: [String] { stages.map(\.topic) }

    package func stage(for topic: String) -> Stage? {
        stages.first { $0.topic == topic }
    }

    /// For each rule: nil when it can run on the input, else the fields its aggregates share
    /// (the rule checker refuses a rule whose aggregates' keys share none).
    private static func candidateRoutes(plan: RulePlan, inputKey: [String]) -> [(rule: String, route: [String]?)] {
        plan.rules.map { rule in
            let keys = plan.aggregateKeys(of: rule)
            let colocated = !inputKey.isEmpty && keys.allSatisfy { Set(inputKey).isSubset(of: $0) }
            guard !keys.isEmpty, !colocated else { return (rule.id, nil) }
            let shared = RulePlan.sharedFields(of: keys)
            precondition(!shared.isEmpty, "rule \(rule.id) passed the checker with aggregates whose keys share no field")
            return (rule.id, shared)
        }
    }

    private static func stage(_ plan: RulePlan, rules: Set<String>, topic: String, keyFields: [String], isInput: Bool) throws(Diagnostics) -> Stage {
        Stage(topic: topic, keyFields: keyFields, plan: try plan.restricted(to: rules), isInput: isInput)
    }
}
