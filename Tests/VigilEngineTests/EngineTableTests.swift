import Testing
import VigilEngine
import VigilRules
import VigilTesting
import VigilValues

/// Rules that read lookup tables, run through the engine: firing, unknown keys and explanations.
@Suite struct EngineTableTests {
    static let rules = """
        rules:
          - id: large-amount
            description: One payment above its currency's limit
            severity: high
            expression: amount > large_payment_limit[currency]
          - id: daily-spend
            description: An account's daily spend above its currency's limit
            severity: medium
            expression: sum(amount, by: [account_id, currency], over: 24h) > daily_limit[currency]
        """
    static let tables = [
        "large_payment_limit": "JPY 1500000\nKRW 13000000\n* 10000\n",
        "daily_limit": "KRW 26000000\n",
    ]

    private func driver() throws -> EngineTestDriver {
        try EngineTestDriver(rules: Self.rules, tables: Self.tables)
    }

    private static func payment(_ id: String, _ ts: Int64, _ amount: String, _ currency: String?) -> String {
        var fields = ["card_id": "c-1", "account_id": "a-1"]
        fields["currency"] = currency
        return TestEvent.json(id: id, ts: ts, amount: amount, fields)
    }

    @Test func eachCurrencyIsJudgedByItsRowAndOthersByTheDefault() throws {
        let driver = try driver()
        #expect(driver.alerts(Self.payment("krw-ok", 0, "12000000", "KRW")).isEmpty)
        #expect(driver.alerts(Self.payment("krw-big", 1, "13000000.01", "KRW")).map(\.ruleID) == ["large-amount"])
        #expect(driver.alerts(Self.payment("chf-ok", 2, "10000", "CHF")).isEmpty)
        #expect(driver.alerts(Self.payment("chf-big", 3, "10000.01", "CHF")).map(\.ruleID) == ["large-amount"])
    }

    /// A key without a row in a table without a default is unknown, as a missing field is: the
    /// rule does not fire, and the miss is counted.
    @Test func aKeyWithoutARowOrDefaultIsUnknownAndCounted() throws {
        let driver = try driver()
        #expect(driver.alerts(Self.payment("e1", 0, "9999", "CHF")).isEmpty, "daily_limit has no CHF row")
        #expect(driver.alerts(Self.payment("e2", 1, "5", nil)).isEmpty)
        let counters = driver.engine.statistics.rules
        #expect(counters.map(\.unknown) == [1, 2], "large-amount: no currency; daily-spend: no CHF row, then no currency")
        #expect(driver.alerts(Self.payment("e3", 2, "26000001", "KRW")).map(\.ruleID) == ["large-amount", "daily-spend"])
    }

    @Test func anAlertExplainsTheValueItLookedUpAndTheKey() throws {
        let driver = try driver()
        let alert = try #require(driver.alerts(Self.payment("e1", 0, "2000000", "JPY")).first)
        let lookup = try #require(alert.explanation.lookups.first)
        #expect(alert.explanation.lookups.count == 1)
        #expect(lookup.text == "large_payment_limit[currency]")
        #expect(lookup.key == "JPY")
        #expect(lookup.value == ExactDecimal(1_500_000))
        #expect(!lookup.isDefault)
        #expect(alert.explanation.primaryCondition?.right == .number(ExactDecimal(1_500_000)!))
        #expect(alert.explanation.traceLines.last == "lookup      large_payment_limit[currency] = 1500000 with currency = JPY")
        let json = String(decoding: alert.jsonBytes(), as: UTF8.self)
        #expect(json.contains(#""lookups":[{"text":"large_payment_limit[currency]","key":"JPY","value":1500000,"default":false}]"#), "\(json)")
        #expect(json.contains(#""fields":{"amount":2000000,"currency":"JPY"}"#), "\(json)")
    }

    @Test func aTraceSaysWhenTheDefaultRowAnsweredAndWhyAReadIsUnknown() throws {
        let driver = try driver()
        driver.send(Self.payment("e1", 0, "20000", "CHF"))
        let large = try #require(driver.engine.explainLastEvent(rule: "large-amount"))
        #expect(large.traceLines.last == "lookup      large_payment_limit[currency] = 10000 with currency = CHF, from the default row")
        let daily = try #require(driver.engine.explainLastEvent(rule: "daily-spend"))
        #expect(daily.traceLines.last == "lookup      daily_limit[currency] = unknown: no row for CHF and no default row (with currency = CHF)")
        driver.send(Self.payment("e2", 1, "20000", nil))
        let keyless = try #require(driver.engine.explainLastEvent(rule: "large-amount"))
        #expect(keyless.traceLines.last == "lookup      large_payment_limit[currency] = unknown: currency is unknown")
    }
}
