import Testing
import VigilEngine
import VigilRules
import VigilTesting
import VigilValues

@Suite struct EngineReloadTests {
    static func plan(_ yaml: String) throws -> RulePlan {
        try RuleCompiler.compile(sources: [RuleSource(path: "rules.yaml", text: yaml)]).get()
    }

    @Test func unchangedAggregatorsKeepTheirWindowsAcrossAReload() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - {id: velocity, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 5"}
              - {id: daily, description: d, severity: low, expression: "count(by: card_id, over: 1h) > 5"}
            """)
        for index in 0..<2 {
            driver.send(TestEvent.json(id: "e\(index)", ts: Int64(index) * 1000, amount: "1", ["card_id": "c-1"]))
        }
        let summary = driver.engine.replace(plan: try Self.plan("""
            rules:
              - {id: velocity, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 2"}
              - {id: wide, description: d, severity: low, expression: "count(by: card_id, over: 2h) > 2"}
            """))
        #expect([summary.keptAggregators, summary.startedAggregators, summary.droppedAggregators] == [1, 1, 1])

        let alerts = driver.alerts(TestEvent.json(id: "e2", ts: 2000, amount: "1", ["card_id": "c-1"]))
        // The 5-minute count kept e0 and e1, so the third payment fires; the new 2-hour count starts empty.
        #expect(alerts.map(\.ruleID) == ["velocity"])
        #expect(alerts.first?.rulesetVersion == driver.engine.plan.version)
    }

    @Test func reloadedFieldsAreDecoded() throws {
        let driver = try EngineTestDriver(rules: "rules:\n  - {id: big, description: d, severity: low, expression: amount > 10}\n")
        driver.engine.replace(plan: try Self.plan("""
            rules:
              - {id: foreign, description: d, severity: low, expression: "country != \\"DE\\" and amount > 10"}
            """))
        #expect(driver.alerts(TestEvent.json(id: "e1", ts: 0, amount: "20", ["country": "FR"])).map(\.ruleID) == ["foreign"])
        #expect(driver.alerts(TestEvent.json(id: "e2", ts: 1, amount: "20", ["country": "DE"])).isEmpty)
    }
}
