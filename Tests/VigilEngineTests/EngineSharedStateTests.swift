import Testing
import VigilEngine
import VigilEvents
import VigilRules
import VigilTraffic
import VigilValues

/// Aggregators of different functions that read one window state must read exactly what each
/// would read from a store of its own, through snapshots and reloads too.
@Suite struct EngineSharedStateTests {
    /// Rules that fire on every event that has a value, so that every reading shows in an alert.
    static let rules = [
        "count": "count(by: card_id, over: 10m, where: amount > 5) >= 0",
        "sum": "sum(amount, by: card_id, over: 10m, where: amount > 5) >= 0",
        "avg": "avg(amount, by: card_id, over: 10m, where: amount > 5) >= 0",
    ]

    static func plan(_ ids: [String]) throws -> RulePlan {
        let lines = ids.map { "  - {id: \($0), description: d, severity: low, expression: \"\(rules[$0] ?? "")\"}" }
        return try EngineReloadTests.plan("rules:\n" + lines.joined(separator: "\n"))
    }

    /// Out-of-order events, malformed ones and a few hundred cards.
    static func traffic() -> [TrafficMessage] {
        var configuration = PaymentTraffic.Configuration()
        configuration.eventCount = 4_000
        configuration.cards = 200
        configuration.scenarios = ScenarioMix(perTenThousand: [.cardTesting: 100, .malformed: 20])
        return Array(PaymentTraffic(configuration))
    }

    /// Each alert as its rule, event and aggregate readings.
    static func readings(_ engine: Engine, _ message: TrafficMessage, offset: Int64) -> [String] {
        let source = EventSource(topic: "payments", partition: 0, offset: offset)
        guard case .evaluated(let alerts) = message.value.withUnsafeBytes({ engine.process($0, source: source, now: 0) }) else {
            return []
        }
        return alerts.map { alert in
            let values = alert.explanation.aggregates.map { "\($0.value?.description ?? "nil") (\($0.windowStart), \($0.windowEnd)]" }
            return "\(alert.ruleID) \(alert.eventID) " + values.joined(separator: " ")
        }
    }

    @Test func aggregatorsOfOneStateReadWhatTheirOwnStoresWould() throws {
        let shared = Engine(plan: try Self.plan(["count", "sum", "avg"]))
        let alone = try ["count", "sum", "avg"].map { Engine(plan: try Self.plan([$0])) }
        var alerts = 0
        for (offset, message) in Self.traffic().enumerated() {
            let together = Self.readings(shared, message, offset: Int64(offset))
            let apart = alone.flatMap { Self.readings($0, message, offset: Int64(offset)) }
            #expect(together.sorted() == apart.sorted(), "event \(offset)")
            alerts += together.count
        }
        #expect(alerts > 3_000, "the rules fire on nearly every event, so every reading is compared")
        // One store holds what each aggregator alone held in a store of its own.
        let entries = alone.map(\.stateSummary.retainedEntries)
        #expect(entries.allSatisfy { $0 == entries[0] } && entries[0] > 0)
        #expect(shared.stateSummary.retainedEntries == entries[0])
    }

    @Test func countWithAStoreOfItsOwnKeepsItWhenAnAverageArrivesAndThroughASnapshot() throws {
        let messages = Self.traffic()
        let engine = Engine(plan: try Self.plan(["count"]))
        for (offset, message) in messages.prefix(2_000).enumerated() { _ = Self.readings(engine, message, offset: Int64(offset)) }
        let before = engine.stateSummary.retainedEntries

        let both = try Self.plan(["count", "avg"])
        let summary = engine.replace(plan: both)
        #expect([summary.keptAggregators, summary.startedAggregators, summary.droppedAggregators] == [1, 1, 0])
        #expect(engine.stateSummary.retainedEntries == before, "the count keeps its store; the average's starts empty")

        // A count alone, fed the same events, reads what the reloaded engine's count reads.
        let reference = Engine(plan: try Self.plan(["count"]))
        for (offset, message) in messages.prefix(2_000).enumerated() { _ = Self.readings(reference, message, offset: Int64(offset)) }
        let restored = Engine(plan: both)
        try restored.restore(fromSnapshot: engine.snapshot()[...])
        for (offset, message) in messages.dropFirst(2_000).enumerated() {
            let position = Int64(2_000 + offset)
            let counts = Self.readings(engine, message, offset: position).filter { $0.hasPrefix("count ") }
            #expect(counts == Self.readings(reference, message, offset: position), "event \(position)")
            #expect(Self.readings(restored, message, offset: position).filter { $0.hasPrefix("count ") } == counts)
        }
    }

    @Test func snapshotOfASharedStateHoldsItOnce() throws {
        let shared = Engine(plan: try Self.plan(["count", "sum", "avg"]))
        let sumAlone = Engine(plan: try Self.plan(["sum"]))
        for (offset, message) in Self.traffic().prefix(1_000).enumerated() {
            _ = Self.readings(shared, message, offset: Int64(offset))
            _ = Self.readings(sumAlone, message, offset: Int64(offset))
        }
        let snapshot = shared.snapshot()
        // The same one store, so about the size of the sum's alone (the names and cooldowns differ).
        #expect(abs(snapshot.count - sumAlone.snapshot().count) < 200, "\(snapshot.count) against \(sumAlone.snapshot().count)")
        let restored = Engine(plan: try Self.plan(["count", "sum", "avg"]))
        try restored.restore(fromSnapshot: snapshot[...])
        for (offset, message) in Self.traffic().dropFirst(1_000).prefix(1_000).enumerated() {
            let position = Int64(1_000 + offset)
            #expect(Self.readings(restored, message, offset: position) == Self.readings(shared, message, offset: position))
        }
    }
}
