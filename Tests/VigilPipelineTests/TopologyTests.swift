import Testing
import VigilPipeline
import VigilRules

@Suite struct TopologyTests {
    static let rules = """
        rules:
          - id: large-amount
            description: Stateless
            severity: high
            expression: amount > 1000
          - id: card-burst
            description: Keyed by the input's key
            severity: medium
            expression: count(by: card_id, over: 5m) > 5
          - id: card-merchant
            description: Keyed by a superset of the input's key
            severity: medium
            expression: sum(amount, by: [card_id, merchant_id], over: 1m) > 3 * avg(amount, by: card_id, over: 30d)
          - id: account-spend
            description: Keyed by account
            severity: high
            expression: sum(amount, by: account_id, over: 24h) > 20000
          - id: account-devices
            description: Keyed by account and device, so the account topic serves it
            severity: high
            expression: count(by: [device_id, account_id], over: 1h) > 10
          - id: device-burst
            description: Keyed by device
            severity: low
            expression: amount > 1000 and count(by: device_id, over: 1h) > 10
        """

    @Test func rulesRunWhereTheirKeysAreTogether() throws {
        let plan = try RuleTestSources.compile(Self.rules)
        let topology = try PipelineTopology(plan: plan, inputTopic: "payments", inputKey: ["card_id"], group: "vigil")
        #expect(topology.topics == ["payments", "vigil-payments-by-account_id", "vigil-payments-by-device_id"])
        #expect(Set(topology.input.plan.rules.map(\.id)) == ["large-amount", "card-burst", "card-merchant"])
        #expect(topology.stage(for: "vigil-payments-by-account_id").map { Set($0.plan.rules.map(\.id)) } == ["account-spend", "account-devices"])
        #expect(topology.stage(for: "vigil-payments-by-device_id")?.plan.rules.map(\.id) == ["device-burst"])
        #expect(topology.stage(for: "vigil-payments-by-device_id")?.keyFields == ["device_id"])
        // Each stage keeps window state for its own rules only.
        #expect(topology.input.plan.aggregators.count == 3)
        #expect(topology.stage(for: "vigil-payments-by-account_id")?.plan.aggregators.count == 2)
        #expect(topology.stages.allSatisfy { $0.plan.version == plan.version })
    }

    @Test func anUnkeyedInputRepartitionsEveryStatefulRule() throws {
        let plan = try RuleTestSources.compile(Self.rules)
        let topology = try PipelineTopology(plan: plan, inputTopic: "payments", inputKey: [], group: "risk")
        #expect(topology.input.plan.rules.map(\.id) == ["large-amount"])
        #expect(topology.topics.contains("risk-payments-by-card_id"))
    }
}
