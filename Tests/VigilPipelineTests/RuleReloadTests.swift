import Foundation
import Testing
import VigilKafka
import VigilPipeline
import VigilRules
import VigilTesting

@Suite struct RuleReloadTests {
    static let strict = """
        rules:
          - {id: limit, description: Amount limit, severity: high, expression: amount > 100}
        """
    static let lenient = """
        rules:
          - {id: limit, description: Amount limit, severity: high, expression: amount > 1000}
        """

    @Test func editedRulesApplyWithoutRestartAndBrokenOnesAreRejected() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("rules.yaml")
        try Self.strict.write(to: file, atomically: true, encoding: .utf8)
        let plan = try RuleTestSources.compile(Self.strict)

        let pipeline = try Pipeline(configuration: fixture.configuration(), plan: plan, logger: .quiet)
        let reloader = RuleReloader(
            directory: directory.path, pipeline: pipeline, currentVersion: "", interval: .milliseconds(100), logger: .quiet
        )
        let running = Task { try await pipeline.run() }
        let watching = Task { try await reloader.run() }
        #expect(reloader.reload(force: true).isUnchanged, "the directory holds the set already running")

        try fixture.produce([("c-1", TestEvent.json(id: "a", ts: 1, amount: "500", ["card_id": "c-1"]))])
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == 1 }

        try Self.lenient.write(to: file, atomically: true, encoding: .utf8)
        let lenientVersion = try RuleTestSources.compile(Self.lenient).version
        try await waitUntil { pipeline.status.snapshot.reloadsApplied == 1 }
        try fixture.produce([("c-1", TestEvent.json(id: "b", ts: 2, amount: "500", ["card_id": "c-1"]))])
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == 2 }

        try "rules:\n  - {id: limit, description: d, severity: high, expression: amount >}\n".write(to: file, atomically: true, encoding: .utf8)
        try await waitUntil { pipeline.status.snapshot.reloadsRejected == 1 }
        try fixture.produce([("c-1", TestEvent.json(id: "c", ts: 3, amount: "5000", ["card_id": "c-1"]))])
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == 3 }

        watching.cancel()
        pipeline.requestStop()
        try await running.value
        // "a" fired under the strict set, "b" did not under the lenient one, and "c" fired because
        // the lenient set stayed in force when the broken edit was rejected.
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 2)
        #expect(Set(alerts.compactMap(ExpectedAlert.init(record:))) == [
            ExpectedAlert(rule: "limit", event: "a", key: "c-1"), ExpectedAlert(rule: "limit", event: "c", key: "c-1"),
        ])
        #expect(pipeline.status.snapshot.lastReloadError?.contains("rules.yaml:2:") == true)
        #expect(pipeline.activePlan.version == lenientVersion)
        // Undoing the broken edit clears the error: the directory matches the running set again.
        try Self.lenient.write(to: file, atomically: true, encoding: .utf8)
        #expect(reloader.reload(force: false).isUnchanged)
        #expect(pipeline.status.snapshot.lastReloadError == nil)
    }
}

extension RuleReloader.Outcome {
    var isUnchanged: Bool {
        if case .unchanged = self { return true }
        return false
    }
}

/// A rule added by a reload counts the history its windows reach, like the rules already running.
@Suite struct ReloadBackfillTests {
    static let before = """
        rules:
          - {id: huge, description: One very large payment, severity: high, expression: amount > 100000}
        """
    static let after = before + """

          - {id: burst, description: More than three payments on one card in an hour, severity: medium, expression: "count(by: card_id, over: 1h) > 3"}
        """

    @Test func aNewRuleCountsThePaymentsBeforeTheReload() async throws {
        let fixture = try PipelineFixture(inputPartitions: 2)
        let pipeline = try Pipeline(configuration: fixture.configuration(), plan: try RuleTestSources.compile(Self.before), logger: .quiet)
        let running = Task { try await pipeline.run() }
        let history = (0..<3).flatMap { index in
            ["c-1", "c-2"].map { card in (card, TestEvent.json(id: "\(card)-\(index)", ts: Int64(index) * 1000, amount: "10", ["card_id": card])) }
        }
        try fixture.produce(history.map { (key: $0.0, value: $0.1) })
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == history.count }

        let after = try RuleTestSources.compile(Self.after)
        try pipeline.offer(after)
        try await waitUntil { pipeline.status.snapshot.rulesetVersion == after.version }
        try await waitUntil { pipeline.status.snapshot.backfilledMessages == history.count }
        try fixture.produce([("c-1", TestEvent.json(id: "c-1-3", ts: 3000, amount: "10", ["card_id": "c-1"]))])
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == history.count + 1 }

        pipeline.requestStop()
        try await running.value
        // c-1's fourth payment is its fourth in the hour only if the new count was given the three before the reload.
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1)
        #expect(alerts.compactMap(ExpectedAlert.init(record:)) == [ExpectedAlert(rule: "burst", event: "c-1-3", key: "c-1")])
        #expect(pipeline.status.snapshot.eventsEvaluated == history.count + 1, "history is not evaluated twice")
    }

    /// On a repartition topic the history is bundles of input events, each counted once, also
    /// when a replayed input batch wrote them twice.
    @Test func aNewRuleOnARepartitionTopicCountsItsBundledHistory() async throws {
        let fixture = try PipelineFixture(inputPartitions: 2)
        try fixture.cluster.createTopic("vigil-payments-by-account_id", partitions: 2)
        let before = """
            rules:
              - {id: account-spend, description: d, severity: high, expression: "sum(amount, by: account_id, over: 1h) > 100000"}
            """
        let after = try RuleTestSources.compile(before + """

              - {id: account-merchants, description: d, severity: high, expression: "distinct(merchant_id, by: account_id, over: 1h) >= 4"}
            """)
        let pipeline = try Pipeline(configuration: fixture.configuration(), plan: try RuleTestSources.compile(before), logger: .quiet)
        let running = Task { try await pipeline.run() }
        // Account a-1 pays three merchants from three cards, over both input partitions.
        let history = (0..<3).map { index in
            (key: Optional("c-\(index)"), value: TestEvent.json(
                id: "p-\(index)", ts: Int64(index) * 1000, amount: "10", ["card_id": "c-\(index)", "account_id": "a-1", "merchant_id": "m-\(index)"]))
        }
        try fixture.produce(history, partitions: [0, 1, 0])
        try await waitUntil { pipeline.status.snapshot.repartitionedEventsConsumed == history.count }

        try pipeline.offer(after)
        try await waitUntil { pipeline.status.snapshot.rulesetVersion == after.version }
        try await waitUntil { pipeline.status.snapshot.backfilledMessages >= 1 }
        let fourth = TestEvent.json(id: "p-3", ts: 3000, amount: "10", ["card_id": "c-3", "account_id": "a-1", "merchant_id": "m-3"])
        try fixture.produce([("c-3", fourth)])
        try await waitUntil { pipeline.status.snapshot.repartitionedEventsConsumed == history.count + 1 }

        pipeline.requestStop()
        try await running.value
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1)
        #expect(alerts.compactMap(ExpectedAlert.init(record:)) == [ExpectedAlert(rule: "account-merchants", event: "p-3", key: "a-1")])
    }
}
