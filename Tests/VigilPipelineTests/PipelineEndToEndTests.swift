import Foundation
import Testing
import VigilEngine
import VigilKafka
import VigilPipeline
import VigilTesting

@Suite struct PipelineEndToEndTests {
    @Test func publishesExactlyTheExpectedAlertsAndDeadLetters() async throws {
        let fixture = try PipelineFixture()
        let messages = Workload.first()
        try fixture.produce(messages)

        let snapshot = try await fixture.run(fixture.configuration(), untilConsumed: messages.count)

        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 3)
        #expect(alerts.compactMap(ExpectedAlert.init(record:)).count == alerts.count, "every alert record parses")
        #expect(Set(alerts.compactMap(ExpectedAlert.init(record:))) == Workload.firstAlerts)
        #expect(alerts.count == Workload.firstAlerts.count, "no duplicates")

        let headers = ["vigil.reason", "vigil.source.topic", "vigil.source.partition", "vigil.source.offset", "vigil.detail"]
        let deadLetters = try TopicReader.read("payments.dead-letter", from: fixture.cluster, atLeast: 3, headerNames: headers)
        #expect(deadLetters.map { $0.headers["vigil.reason"] ?? "" }.sorted() == ["invalid_json", "missing_field", "mistyped_field"])
        #expect(Set(deadLetters.map(\.text)) == Set(messages.suffix(3).map(\.value)), "original bytes are kept")
        #expect(deadLetters.allSatisfy { $0.headers["vigil.source.topic"] == "payments" && $0.headers["vigil.source.offset"] != nil })
        #expect(deadLetters.allSatisfy { !($0.headers["vigil.detail"] ?? "").isEmpty })

        #expect(snapshot.phase == .stopped)
        #expect(snapshot.eventsConsumed == messages.count)
        #expect(snapshot.alertsByRule == ["card-velocity": 2, "large-amount": 1])
        #expect(snapshot.deadLettersByReason == ["invalid_json": 1, "missing_field": 1, "mistyped_field": 1])
        #expect(snapshot.committed.values.reduce(0, +) == Int64(messages.count), "every offset committed at shutdown")
        #expect(snapshot.hasJoinedGroup)
        #expect(snapshot.consumerLag.values.allSatisfy { $0 == 0 }, "caught up: \(snapshot.consumerLag)")
        #expect(snapshot.windowState.retainedEntries == 7, "the seven valid payments are in their cards' windows")
        #expect(!snapshot.isAlive(now: .now), "a stopped pipeline is not alive")
    }

    /// Sends `messages`, runs a pipeline with the engine options `configure` sets until it has
    /// consumed them all, and returns its final status and its dead letters (with their reason,
    /// source offset and detail headers).
    static func run(
        _ messages: [(key: String?, value: String)], on fixture: PipelineFixture, engine configure: (inout EngineOptions) -> Void
    ) async throws -> (PipelineSnapshot, [ReadRecord]) {
        try fixture.produce(messages)
        var configuration = fixture.configuration()
        configure(&configuration.engine)
        let snapshot = try await fixture.run(configuration, untilConsumed: messages.count)
        let headers = ["vigil.reason", "vigil.source.offset", "vigil.detail"]
        return (snapshot, try TopicReader.read("payments.dead-letter", from: fixture.cluster, atLeast: 1, headerNames: headers))
    }

    /// With `--deduplicate-within`, a payment delivered twice is dead-lettered the second time,
    /// saying where it was counted, and no window counts it again.
    @Test func aSecondDeliveryOfAnEventIDIsDeadLetteredAsADuplicate() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        let payments = (0..<3).map { index in
            (key: Optional("c-1"), value: TestEvent.json(id: "p-\(index)", ts: Int64(index) * 1000, amount: "10", ["card_id": "c-1"]))
        }
        // p-1 is delivered again (an upstream retry): without deduplication c-1 would have four payments, and fire.
        let messages = [payments[0], payments[1], payments[1], payments[2]]
        let (snapshot, deadLetters) = try await Self.run(messages, on: fixture) { $0.duplicateWindowMilliseconds = 600_000 }
        #expect(deadLetters.map { [$0.headers["vigil.reason"], $0.headers["vigil.source.offset"]] } == [["duplicate_event", "2"]])
        #expect(deadLetters.first?.headers["vigil.detail"] == "event_id p-1 was counted at offset 1 of this partition")
        #expect(deadLetters.first?.text == payments[1].value, "original bytes are kept")
        #expect(snapshot.deadLettersByReason == ["duplicate_event": 1])
        // card-velocity fires on a third payment in five minutes; counted twice, p-1 would be the third.
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1)
        #expect(alerts.compactMap(ExpectedAlert.init(record:)) == [ExpectedAlert(rule: "card-velocity", event: "p-2", key: "c-1")])
        #expect(snapshot.windowState.retainedEntries == 3)
    }

    /// With `--max-event-time-ahead`, an event stamped far ahead of its message's Kafka timestamp
    /// is dead-lettered as `future_event`, and the on-time events after it still count (without
    /// the bound, it would move the event clock a year ahead and make them late).
    @Test func anEventFarAheadOfItsMessageIsDeadLetteredAndLaterEventsStillCount() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        // The producer stamps each message when it sends it, after this.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let year: Int64 = 365 * 24 * 3600 * 1000
        let messages = [("p-0", now - 2_000), ("p-1", now - 1_000), ("ahead", now + year), ("p-2", now)].map { id, time in
            (key: Optional("c-1"), value: TestEvent.json(id: id, ts: time, amount: "10", ["card_id": "c-1"]))
        }
        let (snapshot, deadLetters) = try await Self.run(messages, on: fixture) { $0.maximumTimeAheadMilliseconds = 60_000 }
        #expect(deadLetters.map { [$0.headers["vigil.reason"], $0.headers["vigil.source.offset"]] } == [["future_event", "2"]])
        let detail = deadLetters.first?.headers["vigil.detail"] ?? ""
        #expect(detail.hasPrefix("event time ") && detail.contains(" after its message's timestamp "), "\(detail)")
        #expect(detail.hasSuffix(", more than the 1m allowed"), "\(detail)")
        #expect(deadLetters.first?.text == messages[2].value, "original bytes are kept")
        #expect(snapshot.deadLettersByReason == ["future_event": 1])
        #expect(snapshot.lateEvents == 0, "the event ahead moved no clock")
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1)
        #expect(alerts.compactMap(ExpectedAlert.init(record:)) == [ExpectedAlert(rule: "card-velocity", event: "p-2", key: "c-1")])
    }

    @Test func readinessWaitsForTheFirstAssignment() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        let pipeline = try Pipeline(configuration: fixture.configuration(), plan: fixture.plan, logger: .quiet)
        #expect(pipeline.status.snapshot.notReadyReason == "pipeline is starting")
        #expect(pipeline.status.snapshot.isAlive(now: .now))
        let running = Task { try await pipeline.run() }
        try await waitUntil { pipeline.status.snapshot.notReadyReason == nil }
        #expect(pipeline.status.snapshot.isAlive(now: .now))
        pipeline.requestStop()
        try await running.value
        #expect(pipeline.status.snapshot.notReadyReason == "pipeline is stopped")
    }

    @Test func restartResumesFromTheCommitWithoutRepeatingAlerts() async throws {
        let fixture = try PipelineFixture()
        let first = Workload.first()
        try fixture.produce(first)
        _ = try await fixture.run(fixture.configuration(), untilConsumed: first.count)

        try fixture.produce(Workload.second())
        let resumed = try await fixture.run(fixture.configuration(), untilConsumed: Workload.second().count)
        #expect(resumed.eventsConsumed == Workload.second().count, "the second member starts at the commit")

        let expected = Workload.firstAlerts.union(Workload.secondAlerts)
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: expected.count)
        #expect(Set(alerts.compactMap(ExpectedAlert.init(record:))) == expected)
        #expect(alerts.count == expected.count, "no alert published twice")
    }

    /// Alerts go out as events are evaluated; offsets wait for the commit interval, or for the
    /// stop, and are committed only then, after every output was acknowledged.
    @Test func alertsFlowBetweenCommitsAndStoppingCommitsTheRest() async throws {
        let fixture = try PipelineFixture()
        var configuration = fixture.configuration()
        configuration.commitInterval = .seconds(3600)
        let messages = Workload.first()
        try fixture.produce(messages)
        let pipeline = try Pipeline(configuration: configuration, plan: fixture.plan, logger: .quiet)
        let running = Task { try await pipeline.run() }
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == messages.count }
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: Workload.firstAlerts.count)
        #expect(Set(alerts.compactMap(ExpectedAlert.init(record:))) == Workload.firstAlerts, "published before any commit")
        let whileRunning = pipeline.status.snapshot
        #expect(whileRunning.commits == 0, "nothing committed before the interval")
        #expect(whileRunning.committed.isEmpty)

        pipeline.requestStop()
        try await running.value
        let stopped = pipeline.status.snapshot
        #expect(stopped.commits == 1, "one commit, when stopping")
        #expect(stopped.committed.values.reduce(0, +) == Int64(messages.count), "every offset committed at shutdown")
    }

    @Test func shadowRuleAlertsGoToTheShadowTopicOnly() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        let configuration = fixture.configuration()
        let shadowPlan = try RuleTestSources.compile("""
            rules:
              - id: trial-limit
                description: Trial
                severity: low
                mode: shadow
                expression: amount > 15
            """)
        try fixture.produce(Workload.first())
        let pipeline = try Pipeline(configuration: configuration, plan: shadowPlan, logger: .quiet)
        let running = Task { try await pipeline.run() }
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == Workload.first().count }
        pipeline.requestStop()
        try await running.value

        // c-2's two payments of 20 and c-3's 5000 exceed 15.
        let shadow = try TopicReader.read("alerts.shadow", from: fixture.cluster, atLeast: 3)
        #expect(Set(shadow.compactMap(ExpectedAlert.init(record:)).map(\.key)) == ["c-2", "c-3"])
        #expect(shadow.count == 3)
        #expect(pipeline.status.snapshot.alertCount == 0)
        let main = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 0, timeout: .seconds(3))
        #expect(main.isEmpty)
    }
}

/// Polls a condition until it holds, failing the test after `timeout`.
func waitUntil(timeout: Duration = .seconds(60), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(timeout)")
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
