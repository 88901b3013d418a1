import Foundation
import Testing
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
