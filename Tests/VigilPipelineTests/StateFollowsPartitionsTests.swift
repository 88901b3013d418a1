import Testing
import VigilKafka
import VigilPipeline
import VigilRules
import VigilTesting

/// Window state that spans two runs of the pipeline, and an account whose payments arrive on
/// every input partition: both need the pipeline to restore state and to repartition by account.
@Suite struct StateFollowsPartitionsTests {
    static let rules = """
        rules:
          - id: card-velocity
            description: Three payments on one card in five minutes
            severity: medium
            expression: count(by: card_id, over: 5m) > 2
          - id: account-velocity
            description: Three payments on one account in ten minutes, whatever the card
            severity: high
            expression: count(by: account_id, over: 10m) > 2
        """
    static let minute: Int64 = 60_000
    static let accountTopic = "vigil-payments-by-account_id"
    static let snapshotTopic = "vigil-payments-snapshots"
    static let unreachableCardRule = """
          - id: card-spend
            description: More than a million on one card in an hour
            severity: low
            expression: sum(amount, by: card_id, over: 1h) > 1000000
        """

    enum Restore: CaseIterable {
        case replay
        /// Snapshots taken as the first run stops.
        case snapshots
        /// Snapshots taken at commits while the first run goes on, serialized in the background and
        /// named by later commits, also once its partitions have gone quiet; the second run loads them.
        case snapshotsAtCommits
        /// The second run adds a card rule: the input partitions' snapshots lack its aggregator,
        /// so those partitions fall back to replay; the account topic's snapshots still load.
        case snapshotsOfOlderRules
        /// The second run reads snapshots from an empty topic, as after retention removed them:
        /// every partition falls back to replay.
        case snapshotsGone
    }

    /// With snapshots, the first run's shutdown writes one per partition and the second run loads
    /// them, replaying nothing; without, or with snapshots it cannot use, the second run replays the history.
    @Test(arguments: Restore.allCases)
    func windowsSurviveARestartAndSeePaymentsFromEveryPartition(restore: Restore) async throws {
        let withSnapshots = restore != .replay
        let snapshotsAtCommits = restore == .snapshotsAtCommits
        let fixture = try PipelineFixture(inputPartitions: 3)
        try fixture.cluster.createTopic(Self.accountTopic, partitions: 2)
        try fixture.cluster.createTopic(Self.snapshotTopic, partitions: 2)
        let plan = try RuleTestSources.compile(Self.rules)
        var configuration = fixture.configuration()
        #expect(configuration.snapshotTopic == Self.snapshotTopic)
        if !withSnapshots { configuration.snapshotTopic = nil }
        if snapshotsAtCommits { configuration.snapshotInterval = .milliseconds(300) }
        let pipeline = try Pipeline(configuration: configuration, plan: plan, logger: .quiet)
        #expect(pipeline.topology.topics == ["payments", Self.accountTopic])

        // First run: account a-1 pays with cards c-1 and c-2 on partitions 0 and 1; card c-9 pays twice.
        try produce(on: fixture, [
            (0, payment("a1-e1", card: "c-1", account: "a-1", at: 1)),
            (1, payment("a1-e2", card: "c-2", account: "a-1", at: 2)),
            (2, payment("c9-e1", card: "c-9", account: "a-9", at: 1)),
            (2, payment("c9-e2", card: "c-9", account: "a-9", at: 2)),
        ])
        var writtenBeforeStop = 0
        let first = try await run(pipeline) {
            writtenBeforeStop = $0.snapshotsWritten
            return $0.eventsConsumed == 4 && $0.repartitionedEventsConsumed == 4 && (!snapshotsAtCommits || $0.snapshotsWritten >= 4)
        }
        #expect(first.alertCount == 0, "two payments per key are below every limit")
        // The partitions that had events: the three input partitions and the account topic's
        // partitions of a-1 and a-9 (one or two, by the accounts' hashes).
        let partitionsWithState = 4...5
        if snapshotsAtCommits {
            // A partition snapshotted between two of its messages is snapshotted again, at an interval or at the stop.
            #expect(writtenBeforeStop >= 4 && first.snapshotsWritten >= writtenBeforeStop, "\(writtenBeforeStop) written while running")
        } else {
            #expect(withSnapshots ? partitionsWithState.contains(first.snapshotsWritten) : first.snapshotsWritten == 0)
        }

        // Second run, a new member: the third payment of each key fires only if the windows were restored.
        try produce(on: fixture, [
            (2, payment("a1-e3", card: "c-3", account: "a-1", at: 3)),
            (2, payment("c9-e3", card: "c-9", account: "a-9", at: 3)),
        ])
        let secondPlan = restore == .snapshotsOfOlderRules
            ? try RuleTestSources.compile(Self.rules + "\n" + Self.unreachableCardRule) : plan
        var secondConfiguration = configuration
        if restore == .snapshotsGone {
            try fixture.cluster.createTopic("empty-snapshots", partitions: 2)
            secondConfiguration.snapshotTopic = "empty-snapshots"
        }
        let resumed = try Pipeline(configuration: secondConfiguration, plan: secondPlan, logger: .quiet)
        let second = try await run(resumed) { $0.alertCount >= 3 && $0.restoring.isEmpty }
        switch restore {
        case .snapshots, .snapshotsAtCommits:
            // One snapshot per partition with state; at the stop, each partition wrote one (see above).
            #expect(partitionsWithState.contains(second.snapshotsLoaded))
            if !snapshotsAtCommits { #expect(second.snapshotsLoaded == first.snapshotsWritten) }
            #expect(second.snapshotsRefused == 0)
            #expect(second.replayedMessages == 0, "the snapshots hold the state at the committed offsets")
        case .snapshotsOfOlderRules:
            #expect(second.snapshotsRefused == 3)
            #expect(second.snapshotsLoaded == first.snapshotsWritten - 3)
            #expect(second.replayedMessages == 4, "the input partitions' history replayed: \(second.replayedMessages)")
        case .snapshotsGone:
            #expect(second.snapshotsLoaded == 0)
            #expect(second.snapshotsRefused == first.snapshotsWritten)
            #expect(second.replayedMessages >= 4, "history replayed instead: \(second.replayedMessages)")
        case .replay:
            #expect(second.snapshotsLoaded == 0)
            #expect(second.replayedMessages >= 4, "history replayed to rebuild the windows: \(second.replayedMessages)")
        }
        #expect(second.restoring.isEmpty)

        // a-9 is c-9's account: its third payment fires both rules.
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 3)
        #expect(Set(alerts.compactMap(ExpectedAlert.init(record:))) == [
            ExpectedAlert(rule: "account-velocity", event: "a1-e3", key: "a-1"),
            ExpectedAlert(rule: "account-velocity", event: "c9-e3", key: "a-9"),
            ExpectedAlert(rule: "card-velocity", event: "c9-e3", key: "c-9"),
        ])
        #expect(alerts.count == 3, "no alert published twice")
    }

    private func payment(_ id: String, card: String, account: String, at minutes: Int64) -> (key: String, value: String) {
        (card, TestEvent.json(id: id, ts: minutes * Self.minute, amount: "10", ["card_id": card, "account_id": account]))
    }

    /// Produces each message to the partition given, so that one account spans several partitions.
    private func produce(on fixture: PipelineFixture, _ messages: [(partition: Int32, message: (key: String, value: String))]) throws {
        try fixture.produce(messages.map { (Optional($0.message.key), $0.message.value) }, partitions: messages.map(\.partition))
    }

    private func run(_ pipeline: Pipeline, until done: @escaping (PipelineSnapshot) -> Bool) async throws -> PipelineSnapshot {
        let running = Task { try await pipeline.run() }
        try await waitUntil { done(pipeline.status.snapshot) || pipeline.status.snapshot.phase == .failed }
        pipeline.requestStop()
        try await running.value
        return pipeline.status.snapshot
    }
}

/// A member joins while another is still replaying history, so the group starts rebalancing during
/// the restore (on the mock cluster the revocation itself lands about five seconds later, usually
/// after this short restore); both members must come out live, with exactly the expected alerts.
@Suite struct RebalanceDuringRestoreTests {
    static let rules = """
        rules:
          - id: card-velocity
            description: Three payments on one card in five minutes
            severity: medium
            expression: count(by: card_id, over: 5m) > 2
        """

    @Test func aMemberJoiningWhileAnotherRestoresLeavesBothLiveWithExactAlerts() async throws {
        let fixture = try PipelineFixture(inputPartitions: 4)
        let plan = try RuleTestSources.compile(Self.rules)
        func configuration() -> PipelineConfiguration {
            fixture.configuration(group: "restore")
        }
        // A long history: 400 cards paying twice each, 10 ms apart in event time.
        let cards = 400
        let history = (0..<(cards * 2)).map { index in
            let card = "c-\(index % cards)"
            return (key: Optional(card), value: TestEvent.json(id: "h\(index)", ts: Int64(index) * 10, amount: "10", ["card_id": card]))
        }
        for chunk in stride(from: 0, to: history.count, by: 200) {
            try fixture.produce(Array(history[chunk..<min(chunk + 200, history.count)]))
        }
        let first = try Pipeline(configuration: configuration(), plan: plan, logger: .quiet)
        let firstRun = Task { try await first.run() }
        try await waitUntil { first.status.snapshot.eventsConsumed == history.count }
        first.requestStop()
        try await firstRun.value
        #expect(first.status.snapshot.alertCount == 0, "two payments per card fire nothing")

        // Every card's third payment needs the two restored ones to fire.
        let third = (0..<cards).map { card in
            (key: Optional("c-\(card)"), value: TestEvent.json(id: "t\(card)", ts: 9_000 + Int64(card), amount: "10", ["card_id": "c-\(card)"]))
        }
        try fixture.produce(third)
        let restoring = try Pipeline(configuration: configuration(), plan: plan, logger: .quiet)
        let restoringRun = Task { try await restoring.run() }
        try await waitUntil { !restoring.status.snapshot.restoring.isEmpty || restoring.status.snapshot.alertCount > 0 }
        let joinedMidRestore = !restoring.status.snapshot.restoring.isEmpty
        if joinedMidRestore {
            #expect(restoring.status.snapshot.notReadyReason?.hasPrefix("restoring") == true, "not ready while restoring")
        }
        let joining = try Pipeline(configuration: configuration(), plan: plan, logger: .quiet)
        let joiningRun = Task { try await joining.run() }
        try await waitUntil(timeout: .seconds(90)) {
            let alerts = restoring.status.snapshot.alertCount + joining.status.snapshot.alertCount
            return alerts >= cards && joining.status.snapshot.hasJoinedGroup
        }
        for pipeline in [restoring, joining] { pipeline.requestStop() }
        try await restoringRun.value
        try await joiningRun.value
        print("rebalance during restore: member joined while \(joinedMidRestore ? "partitions were restoring" : "the restore had already finished")")

        #expect(restoring.status.snapshot.phase == .stopped && joining.status.snapshot.phase == .stopped)
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: cards)
        let expected = Set((0..<cards).map { ExpectedAlert(rule: "card-velocity", event: "t\($0)", key: "c-\($0)") })
        #expect(Set(alerts.compactMap(ExpectedAlert.init(record:))) == expected)
        print("rebalance during restore: \(alerts.count - Set(alerts.map(\.text)).count) duplicate alerts")
    }
}
