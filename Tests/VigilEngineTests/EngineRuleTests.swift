import Testing
import VigilEngine
import VigilRules
import VigilTesting
import VigilValues

@Suite struct EngineRuleTests {
    static let minute: Int64 = 60_000

    static let velocityRules = """
        rules:
          - id: card-velocity
            description: More than two payments on one card in five minutes
            severity: high
            expression: count(by: card_id, over: 5m) > 2
        """

    @Test func windowIncludesTheCurrentEventAndExcludesOneExactlyAWindowOld() throws {
        let driver = try EngineTestDriver(rules: Self.velocityRules)
        let card = ["card_id": "c-1"]
        #expect(driver.alerts(TestEvent.json(id: "e1", ts: 0, amount: "1", card)).isEmpty)
        #expect(driver.alerts(TestEvent.json(id: "e2", ts: 2 * Self.minute, amount: "1", card)).isEmpty)
        let third = driver.alerts(TestEvent.json(id: "e3", ts: 5 * Self.minute - 1, amount: "1", card))
        #expect(third.map(\.eventID) == ["e3"])
        #expect(third.first?.explanation.aggregates.first?.value == .number(ExactDecimal(3)!))
        // e1 is exactly 5 minutes old at e4: out of (t − 5m, t]; e2, e3, e4 remain.
        let fourth = driver.alerts(TestEvent.json(id: "e4", ts: 5 * Self.minute, amount: "1", card))
        #expect(fourth.first?.explanation.aggregates.first?.value == .number(ExactDecimal(3)!))
        let later = driver.alerts(TestEvent.json(id: "e5", ts: 12 * Self.minute, amount: "1", card))
        #expect(later.isEmpty)
    }

    @Test func outOfOrderEventCountsAtItsOwnTime() throws {
        let driver = try EngineTestDriver(rules: Self.velocityRules)
        let card = ["card_id": "c-1"]
        driver.send(TestEvent.json(id: "e1", ts: 10 * Self.minute, amount: "1", card))
        driver.send(TestEvent.json(id: "e2", ts: 12 * Self.minute, amount: "1", card))
        driver.send(TestEvent.json(id: "e3", ts: 20 * Self.minute, amount: "1", card))
        // At 13:00 the window (08:00, 13:00] holds e1, e2 and the late event itself; e3 is in its future.
        let late = driver.alerts(TestEvent.json(id: "late", ts: 13 * Self.minute, amount: "1", card))
        #expect(late.map(\.eventID) == ["late"])
        #expect(late.first?.explanation.aggregates.first?.value == .number(ExactDecimal(3)!))
    }

    @Test func aRuleThatDidNotFireIsExplainedWithTheValuesThatDecidedIt() throws {
        let driver = try EngineTestDriver(rules: Self.velocityRules)
        let card = ["card_id": "c-1"]
        driver.send(TestEvent.json(id: "e1", ts: 0, amount: "1", card))
        #expect(driver.alerts(TestEvent.json(id: "e2", ts: Self.minute, amount: "1", card)).isEmpty)
        let explanation = try #require(driver.engine.explainLastEvent(rule: "card-velocity"))
        let condition = try #require(explanation.conditions.first)
        #expect(condition.left == .number(ExactDecimal(2)!))
        #expect(condition.right == .number(ExactDecimal(2)!))
        #expect(condition.holds == false)
        let window = try #require(explanation.aggregates.first)
        #expect(window.value == .number(ExactDecimal(2)!))
        #expect(window.windowStart == Self.minute - 5 * Self.minute && window.windowEnd == Self.minute)
        // Explaining leaves the engine as it was: the next event still sees both earlier ones.
        #expect(driver.alerts(TestEvent.json(id: "e3", ts: 2 * Self.minute, amount: "1", card)).map(\.eventID) == ["e3"])
        #expect(driver.engine.explainLastEvent(rule: "no-such-rule") == nil)
    }

    @Test func keysAreCountedSeparately() throws {
        let driver = try EngineTestDriver(rules: Self.velocityRules)
        for index in 0..<6 {
            let alerts = driver.alerts(TestEvent.json(id: "e\(index)", ts: Int64(index) * 1000, amount: "1", ["card_id": "c-\(index % 3)"]))
            #expect(alerts.isEmpty)
        }
    }

    @Test func alertCarriesKeyObservedValueThresholdAndDeterministicID() throws {
        let driver = try EngineTestDriver(rules: Self.velocityRules)
        var alerts: [Alert] = []
        for index in 0..<3 {
            alerts = driver.alerts(TestEvent.json(id: "e\(index)", ts: Int64(index) * 1000, amount: "1", ["card_id": "c-9"]))
        }
        let alert = try #require(alerts.first)
        #expect(alert.ruleID == "card-velocity")
        #expect(alert.severity == .high)
        #expect(alert.messageKey == "c-9")
        #expect(alert.key.map(\.field) == ["card_id"])
        #expect(alert.explanation.primaryCondition?.left == .number(ExactDecimal(3)!))
        #expect(alert.explanation.primaryCondition?.right == .number(ExactDecimal(2)!))
        #expect(alert.alertID == Alert.makeID(ruleID: "card-velocity", eventID: "e2"))
        #expect(alert.source.offset == 2)
        let window = try #require(alert.explanation.aggregates.first)
        #expect(window.windowStart == 2000 - 5 * Self.minute)
        #expect(window.windowEnd == 2000)
    }

    @Test func alertIDsAreStableAcrossReleases() {
        // Readers deduplicate on alert_id across replays and upgrades: the derivation must not change.
        #expect(Alert.makeID(ruleID: "large-amount", eventID: "evt-1") == Alert.makeID(ruleID: "large-amount", eventID: "evt-1"))
        #expect(Alert.makeID(ruleID: "large-amount", eventID: "evt-1") != Alert.makeID(ruleID: "large-amount", eventID: "evt-2"))
        #expect(Alert.makeID(ruleID: "ab", eventID: "c") != Alert.makeID(ruleID: "a", eventID: "bc"))
        #expect(Alert.makeID(ruleID: "large-amount", eventID: "evt-1") == "396080833d2c7e755c69f9951323e6f4")  // FNV-1a 128, checked independently
    }

    @Test func ruleWithoutAggregateIsKeyedByTheCard() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: large-amount
                description: Big payment
                severity: critical
                expression: amount > 10000
            """)
        #expect(driver.alerts(TestEvent.json(id: "small", ts: 0, amount: "10000", ["card_id": "c-1"])).isEmpty)
        let alert = try #require(driver.alerts(TestEvent.json(id: "big", ts: 1, amount: "10000.01", ["card_id": "c-1"])).first)
        #expect(alert.key.map(\.field) == ["card_id"])
        #expect(alert.messageKey == "c-1")
        #expect(alert.explanation.primaryCondition?.left == .number(ExactDecimal("10000.01")!))
    }

    @Test func missingFieldNeverFiresAndIsCounted() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: ecom-large
                description: Large e-commerce payment
                severity: medium
                expression: channel == "ecom" and amount > 100
            """)
        #expect(driver.alerts(TestEvent.json(id: "e1", ts: 0, amount: "500")).isEmpty)
        #expect(driver.engine.statistics.rules.first?.unknown == 1)
        #expect(driver.alerts(TestEvent.json(id: "e2", ts: 1, amount: "500", ["channel": "ecom"])).count == 1)
    }

    /// A filter that is unknown for an event (its field missing or null) leaves the event out, as
    /// a false one does: a payment without a channel is neither e-commerce nor anything else.
    @Test func anUnknownFilterLeavesTheEventOutOfTheWindow() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: ecom-burst
                description: An e-commerce payment on a card in five minutes
                severity: low
                expression: count(by: card_id, over: 5m, where: channel == "ecom") >= 1
              - id: other-spend
                description: Spend on a card outside e-commerce
                severity: low
                expression: sum(amount, by: card_id, over: 5m, where: channel != "ecom") > 0
            """)
        let card = ["card_id": "c-1"]
        let missing = driver.alerts(TestEvent.json(id: "e1", ts: 0, amount: "5", card))
        let null = driver.alerts(#"{"event_id":"e2","ts":1,"amount":5,"card_id":"c-1","channel":null}"#)
        #expect(missing.isEmpty && null.isEmpty, "neither filter admits a payment whose channel is unknown")
        let ecom = driver.alerts(TestEvent.json(id: "e3", ts: 2, amount: "5", ["card_id": "c-1", "channel": "ecom"]))
        #expect(ecom.map(\.ruleID) == ["ecom-burst"])
        #expect(ecom.first?.explanation.aggregates.first?.value == .number(ExactDecimal(1)!), "the window counts e3 alone")
    }
}

@Suite struct AlertExplanationTests {
    @Test func observedValueAndThresholdComeFromTheBranchThatHeld() throws {
        let driver = try EngineTestDriver(rules: """
            rules:
              - id: large-amount
                description: Per-currency limit
                severity: high
                expression: currency == "JPY" and amount > 1500000 or currency != "JPY" and amount > 10000
            """)
        let alert = try #require(driver.alerts(TestEvent.json(id: "e1", ts: 0, amount: "25000", ["currency": "EUR"])).first)
        let primary = try #require(alert.explanation.primaryCondition)
        #expect(primary.text == "amount > 10000")
        #expect(primary.left == .number(ExactDecimal(25000)!))
        #expect(primary.right == .number(ExactDecimal(10000)!))
        #expect(alert.explanation.conditions.map(\.holds) == [false, false, true, true])
    }
}
