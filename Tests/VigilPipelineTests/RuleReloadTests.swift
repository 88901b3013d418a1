import Foundation
import MetricsTestKit
import Testing
import VigilEngine
import VigilKafka
import VigilPipeline
import VigilRules
import VigilTesting
import VigilValues

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

/// A table is part of the rule set: editing one reloads the set, and a broken row is rejected.
@Suite struct TableReloadTests {
    static let rules = """
        rules:
          - {id: limit, description: Per-currency limit, severity: high, expression: "amount > limit[currency]"}
        """

    @Test func anEditedTableAppliesWithoutRestartAndABrokenOneIsRejected() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tables"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.rules.write(to: directory.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        let table = directory.appendingPathComponent("tables/limit.txt")
        try "EUR 100\n".write(to: table, atomically: true, encoding: .utf8)
        let plan = try RuleCompiler.compile(directory: directory.path).get()

        let pipeline = try Pipeline(configuration: fixture.configuration(), plan: plan, logger: .quiet)
        let reloader = RuleReloader(
            directory: directory.path, pipeline: pipeline, currentVersion: plan.version, interval: .milliseconds(100), logger: .quiet)
        let running = Task { try await pipeline.run() }
        let watching = Task { try await reloader.run() }
        let payment = { (id: String) in ("c-1", TestEvent.json(id: id, ts: 1, amount: "500", ["card_id": "c-1", "currency": "EUR"])) }

        try fixture.produce([payment("a")])
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == 1 }
        try "EUR 1000\n".write(to: table, atomically: true, encoding: .utf8)
        try await waitUntil { pipeline.status.snapshot.reloadsApplied == 1 }
        let raised = pipeline.activePlan
        try fixture.produce([payment("b")])
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == 2 }
        try "EUR 1,000\n".write(to: table, atomically: true, encoding: .utf8)
        try await waitUntil { pipeline.status.snapshot.reloadsRejected == 1 }

        watching.cancel()
        pipeline.requestStop()
        try await running.value
        // "a" fired under the limit of 100; "b" did not under the edited limit of 1000.
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1)
        #expect(Set(alerts.compactMap(ExpectedAlert.init(record:))) == [ExpectedAlert(rule: "limit", event: "a", key: "c-1")])
        #expect(raised.version != plan.version)
        #expect(raised.tables["limit"]?.rows["EUR"] == ExactDecimal(1000))
        #expect(pipeline.activePlan.version == raised.version, "the broken table left the edited set in force")
        #expect(pipeline.status.snapshot.lastReloadError?.contains("tables/limit.txt:1:5:") == true)
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

    /// A backfill judges the history it reads again against each message's timestamp, as live
    /// evaluation did: the payment stamped a year ahead, dead-lettered live, stays out, and does
    /// not move the backfill's clock past the payment after it.
    @Test func aBackfillLeavesOutAPaymentThatWasAheadOfItsMessage() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        var configuration = fixture.configuration()
        configuration.engine.maximumTimeAheadMilliseconds = 60_000
        let pipeline = try Pipeline(configuration: configuration, plan: try RuleTestSources.compile(Self.before), logger: .quiet)
        let running = Task { try await pipeline.run() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let history = [("c-1-0", now - 3_000), ("c-1-1", now - 2_000), ("ahead", now + 365 * 24 * 3_600_000), ("c-1-2", now - 1_000)]
            .map { id, time in (key: Optional("c-1"), value: TestEvent.json(id: id, ts: time, amount: "10", ["card_id": "c-1"])) }
        try fixture.produce(history)
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == history.count }
        #expect(pipeline.status.snapshot.deadLettersByReason == ["future_event": 1])

        let after = try RuleTestSources.compile(Self.after)
        try pipeline.offer(after)
        try await waitUntil { pipeline.status.snapshot.rulesetVersion == after.version }
        try await waitUntil { pipeline.status.snapshot.backfilledMessages == history.count }
        try fixture.produce([("c-1", TestEvent.json(id: "c-1-3", ts: now, amount: "10", ["card_id": "c-1"]))])
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == history.count + 1 }
        pipeline.requestStop()
        try await running.value
        // c-1-3 is the fourth payment in the hour only if the backfill counted c-1-2, after the one ahead.
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1)
        #expect(alerts.compactMap(ExpectedAlert.init(record:)) == [ExpectedAlert(rule: "burst", event: "c-1-3", key: "c-1")])
    }

    /// `vigil_backfilling_partitions` counts the partitions `GET /rules` lists as backfilling: both
    /// come from one count at the end of each loop. The loop that swaps the rules in starts both
    /// partitions' backfills and cannot end them (their history arrives in later batches), so the
    /// gauge's first reading after the reload is 2; once both are live it reads 0, and the status
    /// lists none.
    @Test func theBackfillingGaugeCountsThePartitionsFromTheirStartUntilTheyAreLive() async throws {
        let fixture = try PipelineFixture(inputPartitions: 2)
        let metrics = TestMetrics()
        var configuration = fixture.configuration()
        configuration.metricsFactory = metrics
        let pipeline = try Pipeline(configuration: configuration, plan: try RuleTestSources.compile(Self.before), logger: .quiet)
        let running = Task { try await pipeline.run() }
        let history = (0..<4).map { index in
            (key: Optional("c-\(index)"), value: TestEvent.json(id: "e-\(index)", ts: Int64(index) * 1000, amount: "10", ["card_id": "c-\(index)"]))
        }
        try fixture.produce(history, partitions: [0, 1, 0, 1])
        try await waitUntil { pipeline.status.snapshot.eventsConsumed == history.count }
        let gauge = try metrics.expectGauge("vigil_backfilling_partitions")
        #expect(!gauge.values.isEmpty && gauge.values.allSatisfy { $0 == 0 }, "no backfill before the reload: \(gauge.values)")

        try pipeline.offer(try RuleTestSources.compile(Self.after))
        try await waitUntil {
            let snapshot = pipeline.status.snapshot
            return snapshot.backfilledMessages == history.count && snapshot.backfilling.isEmpty
        }
        #expect(gauge.lastValue == 0, "both partitions are live")
        pipeline.requestStop()
        try await running.value

        let sinceReload = Array(gauge.values.drop { $0 == 0 })
        #expect(sinceReload.first == 2, "both partitions started their backfill in one loop: \(gauge.values)")
        #expect(zip(sinceReload, sinceReload.dropFirst()).allSatisfy { $0 >= $1 }, "backfills only end: \(gauge.values)")
        #expect(sinceReload.last == 0, "\(gauge.values)")
    }

    /// Unlike a restore, a backfill leaves the replica ready: its other partitions go on, and only
    /// the backfilling one's live events wait.
    @Test func aBackfillLeavesTheReplicaReady() {
        var snapshot = PipelineStatus().snapshot
        snapshot.phase = .running
        snapshot.hasJoinedGroup = true
        snapshot.backfilling = [TopicPartition(topic: "payments", partition: 0)]
        #expect(snapshot.notReadyReason == nil)
        snapshot.restoring = snapshot.backfilling
        #expect(snapshot.notReadyReason == "restoring the window state of 1 partition")
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

/// The alerts a rule added by a reload raises are those it would raise had it run from the start:
/// a second group, running the final rule set over the whole input from the beginning, agrees
/// with the reloaded one on every event after the reload, on the input topic, on a repartition
/// topic that was running, and on one the reload added (keyed by device: the input's history is
/// read again and sent there). The input is one partition: a repartition topic merges input partitions in
/// the order they happen to be read, and a window answers for the events it has seen, so with
/// several the two groups could differ without either being wrong.
@Suite struct ReloadBackfillAgreementTests {
    static let before = """
        rules:
          - {id: huge, description: d, severity: high, expression: amount > 100000}
          - {id: account-spend, description: d, severity: high, expression: "sum(amount, by: account_id, over: 1h) > 100000"}
        """
    static let added = ["card-merchants", "card-burst", "account-burst", "device-burst"]
    static let after = before + """

          - {id: card-merchants, description: d, severity: low, expression: "distinct(merchant_id, by: card_id, over: 30m) >= 4"}
          - {id: card-burst, description: d, severity: low, expression: "count(by: card_id, over: 10m) > 3"}
          - {id: account-burst, description: d, severity: low, expression: "count(by: account_id, over: 5m) > 4"}
          - {id: device-burst, description: d, severity: low, expression: "count(by: device_id, over: 5m) > 4"}
        """

    /// Payments 20 s apart, some up to 5 s out of order, over 12 cards, 6 accounts, 8 merchants and 5 devices.
    static func payments(_ range: Range<Int>) -> [(id: String, key: String?, value: String)] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: (state >> 33) % UInt64(bound))
        }
        return (0..<range.upperBound).compactMap { index in
            let card = "c-\(next(12))"
            let fields = ["card_id": card, "account_id": "a-\(next(6))", "merchant_id": "m-\(next(8))", "device_id": "d-\(next(5))"]
            let time = Int64(index) * 20_000 - Int64(next(4) == 0 ? next(5_000) : 0)
            return range.contains(index) ? ("p-\(index)", card, TestEvent.json(id: "p-\(index)", ts: time, amount: "10", fields)) : nil
        }
    }

    /// The topics a group reads, input first, for `waitUntilDrained`.
    static func topics(of group: String) -> [String] {
        ["payments"] + ["account_id", "device_id"].map { "\(group)-payments-by-\($0)" }
    }

    @Test func aReloadedRuleRaisesWhatItWouldHaveRaisedFromTheStart() async throws {
        let (fixture, history, later, final) = try Self.setUp()
        let reloaded = try Pipeline(configuration: fixture.configuration(), plan: try RuleTestSources.compile(Self.before), logger: .quiet)
        let running = Task { try await reloaded.run() }
        try fixture.produce(history.map { ($0.key, $0.value) }, partitions: history.map { _ in 0 })
        try await fixture.waitUntilDrained(reloaded, topics: ["payments", "vigil-payments-by-account_id"], partitions: 3)
        try reloaded.offer(final)
        try await waitUntil { reloaded.status.snapshot.rulesetVersion == final.version }
        try fixture.produce(later.map { ($0.key, $0.value) }, partitions: later.map { _ in 0 })
        try await fixture.waitUntilDrained(reloaded, topics: Self.topics(of: "vigil"), partitions: 3)
        reloaded.requestStop()
        try await running.value
        #expect(reloaded.status.snapshot.backfilledMessages >= 2 * history.count, "the input read its history again, and the device topic recorded it")
        try await Self.expectAgreement(fixture, later: later, final: final, change: "the reload")
    }

    /// The same rule set change, reaching the group by a restart: the new member finds the device
    /// topic missing from the routes the last commit of the input partition names, and sends the
    /// partition's history there once it is restored.
    @Test func aTopicAddedAcrossARestartGetsTheHistoryToo() async throws {
        let (fixture, history, later, final) = try Self.setUp()
        let old = try Pipeline(configuration: fixture.configuration(), plan: try RuleTestSources.compile(Self.before), logger: .quiet)
        let oldRun = Task { try await old.run() }
        try fixture.produce(history.map { ($0.key, $0.value) }, partitions: history.map { _ in 0 })
        try await fixture.waitUntilDrained(old, topics: ["payments", "vigil-payments-by-account_id"], partitions: 3)
        old.requestStop()
        try await oldRun.value

        let restarted = try Pipeline(configuration: fixture.configuration(), plan: final, logger: .quiet)
        let running = Task { try await restarted.run() }
        try fixture.produce(later.map { ($0.key, $0.value) }, partitions: later.map { _ in 0 })
        try await fixture.waitUntilDrained(restarted, topics: Self.topics(of: "vigil"), partitions: 3)
        restarted.requestStop()
        try await running.value
        #expect(restarted.status.snapshot.backfilledMessages >= history.count, "the device topic recorded the history")
        try await Self.expectAgreement(fixture, later: later, final: final, change: "the restart")
    }

    static func setUp() throws -> (PipelineFixture, history: [(id: String, key: String?, value: String)], later: [(id: String, key: String?, value: String)], RulePlan) {
        let fixture = try PipelineFixture(inputPartitions: 3)
        for group in ["vigil", "fresh"] {
            for topic in Self.topics(of: group).dropFirst() { try fixture.cluster.createTopic(topic, partitions: 3) }
        }
        try fixture.cluster.createTopic("alerts-fresh", partitions: 1)
        return (fixture, Self.payments(0..<240), Self.payments(240..<360), try RuleTestSources.compile(Self.after))
    }

    /// Runs the final rule set over the whole input in a group of its own, and expects the alerts
    /// of the added rules on the later payments to be the same as the changed group's.
    static func expectAgreement(
        _ fixture: PipelineFixture, later: [(id: String, key: String?, value: String)], final: RulePlan, change: String
    ) async throws {
        var configuration = fixture.configuration(group: "fresh")
        configuration.alertTopic = "alerts-fresh"
        let fresh = try Pipeline(configuration: configuration, plan: final, logger: .quiet)
        let freshRun = Task { try await fresh.run() }
        try await fixture.waitUntilDrained(fresh, topics: Self.topics(of: "fresh"), partitions: 3)
        fresh.requestStop()
        try await freshRun.value

        let laterIDs = Set(later.flatMap { payment in
            Self.added.map { rule in Alert.makeID(ruleID: rule, eventID: payment.id) }
        })
        let fromChange = Set(try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1).compactMap(ExpectedAlert.init(record:))
            .filter { Self.added.contains($0.rule) })
        let fromStart = Set(try TopicReader.read("alerts-fresh", from: fixture.cluster, atLeast: 1).compactMap(ExpectedAlert.init(record:))
            .filter { laterIDs.contains($0.alertID) })
        #expect(fromChange.subtracting(fromStart).isEmpty, "raised only after \(change): \(fromChange.subtracting(fromStart))")
        #expect(fromStart.subtracting(fromChange).isEmpty, "missed after \(change): \(fromStart.subtracting(fromChange))")
        #expect(Set(fromStart.map(\.rule)) == Set(Self.added), "every added rule fired after \(change)")
    }
}
