import Foundation
import Testing
import VigilEngine
import VigilEvents
import VigilRules
import VigilTraffic
import VigilWindows

/// An engine restored from a snapshot must decide every later event exactly as the engine it was
/// taken from: same alerts, same aggregate values, same cooldowns, same late events.
@Suite struct EngineSnapshotTests {
    static let starterRules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules").path

    static func starterPlan() throws -> RulePlan {
        switch RuleCompiler.compile(directory: starterRules) {
        case .success(let plan): return plan
        case .failure(let diagnostics): throw SnapshotTestError.rules(diagnostics.rendered)
        }
    }

    enum SnapshotTestError: Error {
        case rules(String)
    }

    /// Drawn fraud of every kind, out-of-order events included, over several source partitions.
    static func traffic(count: Int) -> [TrafficMessage] {
        var configuration = PaymentTraffic.Configuration()
        configuration.eventCount = count
        configuration.cards = 500
        configuration.scenarios = ScenarioMix(perTenThousand: [
            .cardTesting: 40, .accountTakeover: 40, .largeAmount: 40, .impossibleTravel: 40, .malformed: 20,
        ])
        return Array(PaymentTraffic(configuration))
    }

    /// Every outcome as text, alerts in their published JSON (explanations and suppressed counts included).
    static func outcomes(_ engine: Engine, _ messages: ArraySlice<TrafficMessage>, firstOffset: Int) -> [String] {
        messages.enumerated().map { position, message in
            let offset = Int64(firstOffset + position)
            let source = EventSource(topic: "payments", partition: Int32(offset % 3), offset: offset)
            let outcome = message.value.withUnsafeBytes { engine.process($0, source: source, now: 0) }
            switch outcome {
            case .evaluated(let alerts): return alerts.map { String(decoding: $0.jsonBytes(), as: UTF8.self) }.joined(separator: "\n")
            case .rejected(let failure): return "rejected \(failure.reason.code)"
            case .late(let time, let watermark): return "late \(time) \(watermark)"
            case .duplicate(let eventID, let firstOffset): return "duplicate \(eventID) \(firstOffset)"
            case .aheadOfMessage(let time, let messageTime): return "ahead \(time) \(messageTime)"
            }
        }
    }

    /// Every window function, composite keys and a short cooldown that holds firings back often.
    static func busyPlan() throws -> RulePlan {
        try EngineReloadTests.plan("""
            rules:
              - {id: busy-card, description: d, severity: low, expression: "count(by: card_id, over: 10m) > 3", cooldown: 2m}
              - {id: merchants, description: d, severity: low, expression: "distinct(merchant_id, by: account_id, over: 30m) > 3"}
              - {id: spend, description: d, severity: low, expression: "sum(amount, by: [card_id, merchant_id], over: 1h) > 3 * avg(amount, by: card_id, over: 1d)"}
              - {id: range, description: d, severity: low, expression: "max(amount, by: device_id, over: 1h) > 20 * min(amount, by: device_id, over: 1h)"}
            """)
    }

    /// An engine of `rules` ("starter" or "busy") that has evaluated the first `split` of `messages`.
    static func engineHalfway(rules: String) throws -> (engine: Engine, plan: RulePlan, messages: [TrafficMessage], split: Int) {
        let plan = try rules == "starter" ? starterPlan() : busyPlan()
        let messages = traffic(count: 12_000)
        let split = 7_000
        let engine = Engine(plan: plan)
        _ = outcomes(engine, messages[..<split], firstOffset: 0)
        return (engine, plan, messages, split)
    }

    @Test(arguments: ["starter", "busy"])
    func aRestoredEngineDecidesLaterEventsLikeTheOriginal(rules: String) throws {
        let (original, plan, messages, split) = try Self.engineHalfway(rules: rules)
        let bytes = original.snapshot()

        let restored = Engine(plan: plan)
        try restored.restore(fromSnapshot: bytes[...])
        #expect(restored.stateSummary.activeKeys == original.stateSummary.activeKeys)
        #expect(restored.stateSummary.retainedEntries == original.stateSummary.retainedEntries)
        #expect(restored.watermark == original.watermark)
        #expect(restored.snapshot() == bytes)

        let expected = Self.outcomes(original, messages[split...], firstOffset: split)
        let got = Self.outcomes(restored, messages[split...], firstOffset: split)
        #expect(expected.filter { $0.contains("\"alert_id\"") }.count > 50, "the later events must fire alerts to compare")
        if rules == "busy" {
            #expect(expected.contains { $0.range(of: #""suppressed_firings":[1-9]"#, options: .regularExpression) != nil })
        }
        for index in expected.indices where expected[index] != got[index] {
            Issue.record("event \(split + index): expected \(expected[index]) got \(got[index])")
            break
        }
    }

    /// Frozen state is serialized on another thread while the engine goes on evaluating (as a
    /// pipeline does between commits), and must come out as the snapshot of the moment it was frozen.
    @Test(arguments: ["starter", "busy"])
    func frozenStateIsTheSnapshotOfItsMomentWhileTheEngineGoesOn(rules: String) async throws {
        let (engine, _, messages, split) = try Self.engineHalfway(rules: rules)
        let atFreeze = engine.snapshot()
        let frozen = engine.frozenState()
        let serializing = Task.detached { frozen.serialized() }
        _ = Self.outcomes(engine, messages[split...], firstOffset: split)
        let serialized = await serializing.value
        #expect(engine.snapshot() != atFreeze, "the later events changed the state")
        #expect(serialized == atFreeze)
        #expect(frozen.serialized() == atFreeze, "serialized again after the engine went on")
    }

    @Test func aSnapshotWithoutOneOfTodaysAggregatorsIsRefusedAndLeavesTheEngineEmpty() throws {
        let old = try EngineReloadTests.plan("""
            rules:
              - {id: velocity, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 2"}
            """)
        let new = try EngineReloadTests.plan("""
            rules:
              - {id: velocity, description: d, severity: high, expression: "count(by: card_id, over: 5m) > 2"}
              - {id: daily, description: d, severity: low, expression: "sum(amount, by: card_id, over: 24h) > 100"}
            """)
        let original = Engine(plan: old)
        _ = Self.outcomes(original, Self.traffic(count: 500)[...], firstOffset: 0)
        let engine = Engine(plan: new)
        #expect(throws: WindowSnapshotError.malformed("no state for sum(amount, by: card_id, over: 1d)")) {
            try engine.restore(fromSnapshot: original.snapshot()[...])
        }
        #expect(engine.stateSummary.retainedEntries == 0)
        #expect(engine.watermark == .min)
    }

    @Test func aSnapshotTakenUnderAnotherLatenessIsRefused() throws {
        let plan = try Self.starterPlan()
        let original = Engine(plan: plan)
        _ = Self.outcomes(original, Self.traffic(count: 300)[...], firstOffset: 0)
        var options = EngineOptions()
        options.allowedLatenessMilliseconds += 1
        #expect(throws: WindowSnapshotError.self) { try Engine(plan: plan, options: options).restore(fromSnapshot: original.snapshot()[...]) }
    }

    @Test func everyTruncationOfASnapshotIsRefused() throws {
        let plan = try Self.starterPlan()
        let original = Engine(plan: plan)
        _ = Self.outcomes(original, Self.traffic(count: 300)[...], firstOffset: 0)
        let bytes = original.snapshot()
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 200)) {
            #expect(throws: WindowSnapshotError.self) { try Engine(plan: plan).restore(fromSnapshot: bytes[..<length]) }
        }
    }
}
