import Testing
import VigilEngine
import VigilRules

/// The check-time estimate of window state: keys are counted from each key field's distinct values.
@Suite struct StateEstimateTests {
    private static func activeKeys(_ aggregate: String, _ configure: (inout StateEstimate.Assumptions) -> Void = { _ in }) throws
        -> Double
    {
        let plan = try EngineReloadTests.plan("""
            rules:
              - {id: r, description: d, severity: low, expression: "\(aggregate) > 1"}
            """)
        var assumptions = StateEstimate.Assumptions()
        configure(&assumptions)
        return try #require(StateEstimate(plan: plan, assumptions: assumptions).aggregators.first).activeKeys
    }

    /// Remembered event ids are state too: rate × window of them, shared out over the replicas.
    @Test func eventIDsKeptForDeduplicationCountInTheEstimate() throws {
        let plan = try EngineReloadTests.plan("rules:\n  - {id: r, description: d, severity: low, expression: amount > 1}\n")
        var assumptions = StateEstimate.Assumptions()
        assumptions.eventsPerSecond = 500
        assumptions.replicas = 2
        #expect(StateEstimate(plan: plan, assumptions: assumptions).bytesPerReplica == 0)
        assumptions.duplicateWindowMilliseconds = 600_000
        let estimate = StateEstimate(plan: plan, assumptions: assumptions)
        #expect(estimate.eventIDBytes == 500 * 600 * 120)
        #expect(estimate.bytesPerReplica == 500 * 600 * 120 / 2)
    }

    @Test func aKeyWithACurrencyCountsTheCurrenciesInUseNotTheDefault() throws {
        let keys = try Self.activeKeys("sum(amount, by: [account_id, currency], over: 24h)")
        #expect(keys == 100_000 * 180)
    }

    @Test func countriesCountAsTheCountriesThereAre() throws {
        #expect(try Self.activeKeys("count(by: country, over: 1h)") == 249)
    }

    @Test func aGivenCardinalityWinsOverTheCodeList() throws {
        let keys = try Self.activeKeys("sum(amount, by: [account_id, currency], over: 24h)") {
            $0.cardinality = ["account_id": 1_000, "currency": 12]
        }
        #expect(keys == 12_000)
    }

    @Test func aGivenCombinationWinsOverTheProductOfItsFields() throws {
        let keys = try Self.activeKeys("sum(amount, by: [account_id, currency], over: 24h)") {
            $0.cardinality = [StateEstimate.Assumptions.combinationName(["currency", "account_id"]): 120_000, "account_id": 100_000]
        }
        #expect(keys == 120_000)
        // A combination given for other fields leaves this key to the product of its fields.
        let other = try Self.activeKeys("sum(amount, by: [account_id, currency], over: 24h)") {
            $0.cardinality = ["account_id+merchant_id": 5]
        }
        #expect(other == 100_000 * 180)
    }

    @Test func aSmallerDefaultCapsTheCodeList() throws {
        let keys = try Self.activeKeys("count(by: [merchant_id, currency], over: 24h)") { $0.defaultCardinality = 50 }
        #expect(keys == 50 * 50)
    }
}
