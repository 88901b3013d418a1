import Testing
import VigilEngine
import VigilKafka
@testable import VigilPipeline
import VigilRules
import VigilTesting

@Suite struct RepartitionBundleTests {
    @Test func aBundleHandsBackEachEventWithItsOffset() throws {
        let events: [(offset: Int64, text: String)] = [(7, #"{"event_id":"a"}"#), (9, ""), (12, String(repeating: "x", count: 70_000))]
        var writer = RepartitionBundle.Writer(inputPartition: 3, firstOffset: 7)
        for event in events {
            Array(event.text.utf8).withUnsafeBytes { writer.append($0, offset: event.offset) }
        }
        let read = try writer.bytes.withUnsafeBytes { value in
            try #require(RepartitionBundle.Entries(value)).map { ($0.offset, String(decoding: $0.bytes, as: UTF8.self)) }
        }
        #expect(read.map(\.0) == events.map(\.offset))
        #expect(read.map(\.1) == events.map(\.text))
        #expect(writer.headers.map(\.name.description) == ["vigil.bundle", "vigil.source.partition", "vigil.source.offset"])
    }

    /// History and live events of one input partition for one destination go in separate bundles;
    /// the history bundle is handed out before the first live event joins the other, since the
    /// repartition partition skips an input offset below one it has counted.
    @Test func historyBundlesLeaveBeforeLiveEventsOfTheSameDestination() {
        var bundler = RepartitionBundler()
        let live = RepartitionBundler.Destination(route: 0, partition: 1, inputPartition: 2)
        var history = live
        history.isHistory = true
        let other = RepartitionBundler.Destination(route: 0, partition: 0, inputPartition: 2)
        let event = Array(#"{"event_id":"a"}"#.utf8)
        event.withUnsafeBytes { bytes in
            #expect(bundler.add(bytes, offset: 10, to: history).isEmpty)
            #expect(bundler.add(bytes, offset: 11, to: history).isEmpty)
            #expect(bundler.add(bytes, offset: 12, to: other).isEmpty, "a live event elsewhere leaves the history open")
            let ready = bundler.add(bytes, offset: 13, to: live)
            #expect(ready.map(\.0) == [history])
            #expect(ready.first?.1.headers.contains { $0.name.description == "vigil.history" } == true)
            #expect(bundler.add(bytes, offset: 14, to: history).isEmpty)
        }
        let drained = bundler.drain()
        #expect(drained.first?.0 == history, "history first")
        #expect(Set(drained.map(\.0)) == [history, live, other])
    }

    @Test func aBrokenBundleIsRefusedWhole() {
        var writer = RepartitionBundle.Writer(inputPartition: 0, firstOffset: 5)
        Array("{}".utf8).withUnsafeBytes { writer.append($0, offset: 5) }
        Array("{}".utf8).withUnsafeBytes { writer.append($0, offset: 6) }
        let whole = writer.bytes
        var outOfOrder = RepartitionBundle.Writer(inputPartition: 0, firstOffset: 6)
        Array("{}".utf8).withUnsafeBytes { outOfOrder.append($0, offset: 6) }
        Array("{}".utf8).withUnsafeBytes { outOfOrder.append($0, offset: 6) }
        var lengthTooLong = whole
        lengthTooLong[8] = 200
        let broken: [(String, [UInt8])] = [
            ("empty", []),
            ("cut inside an entry's header", Array(whole.prefix(20))),
            ("cut inside an event", Array(whole.dropLast())),
            ("a length past the end", lengthTooLong),
            ("an offset repeated", outOfOrder.bytes),
            ("a negative offset", [UInt8](repeating: 0xFF, count: 8) + [0, 0, 0, 0]),
        ]
        for (name, bytes) in broken {
            #expect(bytes.withUnsafeBytes { RepartitionBundle.Entries($0) } == nil, "\(name)")
        }
        #expect(whole.withUnsafeBytes { RepartitionBundle.Entries($0).map { Array($0).count } } == 2)
    }

    /// Input events reach the account topic in bundles; a record written alone (as earlier versions
    /// did) is still evaluated there, and a broken bundle is dead-lettered without stopping anything.
    @Test func repartitionTopicsCarryBundlesAndStillReadSingleRecords() async throws {
        let fixture = try PipelineFixture(inputPartitions: 2)
        let accountTopic = "vigil-payments-by-account_id"
        try fixture.cluster.createTopic(accountTopic, partitions: 2)
        let plan = try RuleTestSources.compile(StateFollowsPartitionsTests.rules)
        let pipeline = try Pipeline(configuration: fixture.configuration(), plan: plan, logger: .quiet)
        // Two payments per account, spread over both input partitions: below every limit.
        let payments = (0..<40).map { index in
            (key: Optional("c-\(index)"), value: TestEvent.json(
                id: "p-\(index)", ts: Int64(index) * 1000, amount: "10", ["card_id": "c-\(index)", "account_id": "a-\(index % 20)"]))
        }
        try fixture.produce(payments, partitions: payments.indices.map { Int32($0 % 2) })
        let running = Task { try await pipeline.run() }
        try await waitUntil { pipeline.status.snapshot.repartitionedEventsConsumed >= payments.count || pipeline.status.snapshot.phase == .failed }

        // Then, by hand: a record alone for a-0 (its third payment, so the rule fires) and a broken bundle.
        let producer = try KafkaProducer(configuration: .test(fixture.cluster), logger: .quiet)
        let single = TestEvent.json(id: "single", ts: 60_000, amount: "10", ["card_id": "c-9", "account_id": "a-0"])
        let accountPartition = Array("a-0".utf8).withUnsafeBytes { KafkaProducer.partition(ofKey: $0, partitionCount: 2) }
        try producer.send(
            topic: accountTopic, partition: accountPartition, key: Array("a-0".utf8), value: Array(single.utf8),
            headers: RepartitionOrigin.headers(partition: 1, offset: 100))
        try producer.send(
            topic: accountTopic, partition: 0, key: nil, value: [1, 2, 3],
            headers: [(RepartitionBundle.formatHeader, [RepartitionBundle.formatVersion])] + RepartitionOrigin.headers(partition: 0, offset: 50))
        #expect(try producer.flush().isEmpty)
        try await waitUntil {
            let snapshot = pipeline.status.snapshot
            return snapshot.repartitionedEventsConsumed > payments.count && !snapshot.deadLettersByReason.isEmpty
                || snapshot.phase == .failed
        }
        pipeline.requestStop()
        try await running.value

        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1)
        #expect(alerts.compactMap(ExpectedAlert.init(record:)) == [ExpectedAlert(rule: "account-velocity", event: "single", key: "a-0")])
        let deadLetters = try TopicReader.read(
            "payments.dead-letter", from: fixture.cluster, atLeast: 1, headerNames: ["vigil.reason", "vigil.source.topic"])
        #expect(deadLetters.map(\.headers) == [["vigil.reason": "invalid_repartition_record", "vigil.source.topic": accountTopic]])
        let bundles = try TopicReader.read(accountTopic, from: fixture.cluster, atLeast: 3, headerNames: ["vigil.bundle"])
            .filter { $0.headers["vigil.bundle"] == "1" && $0.value != [1, 2, 3] }
        let eventsPerBundle = bundles.map { $0.value.withUnsafeBytes { RepartitionBundle.Entries($0).map { Array($0).count } ?? 0 } }
        #expect(eventsPerBundle.reduce(0, +) == payments.count, "every input event in exactly one bundle")
        #expect(bundles.count * 4 <= payments.count, "events share bundles: \(eventsPerBundle)")
    }

    /// One input partition falls behind the other by more than the allowed lateness, in event
    /// time, as when its replica stalls in a rebalance while the feed goes on. The account topic
    /// merges both; its watermark follows the partition behind, so that partition's payment still
    /// counts in its account's window instead of being dead-lettered as late.
    @Test func aPartitionFallingBehindIsNotLateOnTheRepartitionTopic() async throws {
        let fixture = try PipelineFixture(inputPartitions: 2)
        let accountTopic = "vigil-payments-by-account_id"
        try fixture.cluster.createTopic(accountTopic, partitions: 1)
        let plan = try RuleTestSources.compile(StateFollowsPartitionsTests.rules)
        var configuration = fixture.configuration()
        configuration.engine.allowedLatenessMilliseconds = 60_000
        let pipeline = try Pipeline(configuration: configuration, plan: plan, logger: .quiet)
        let running = Task { try await pipeline.run() }
        func payment(_ id: String, minute: Int64, account: String) -> (key: String?, value: String) {
            (key: id, value: TestEvent.json(id: id, ts: 100 * 60_000 + minute * 60_000, amount: "10", ["card_id": id, "account_id": account]))
        }
        func feed(_ payments: [(key: String?, value: String)], partition: Int32, thenConsumed total: Int) async throws {
            try fixture.produce(payments, partitions: payments.map { _ in partition })
            try await waitUntil { pipeline.status.snapshot.repartitionedEventsConsumed >= total || pipeline.status.snapshot.phase == .failed }
        }
        // Both partitions start together; a-0 pays twice on partition 1.
        try await feed([payment("p0-start", minute: 0, account: "a-9")], partition: 0, thenConsumed: 1)
        try await feed([payment("p1-first", minute: 0, account: "a-0"), payment("p1-second", minute: 1, account: "a-0")], partition: 1, thenConsumed: 3)
        // Partition 0 runs five minutes ahead; partition 1 then brings a-0's third payment.
        try await feed([payment("p0-ahead", minute: 6, account: "a-8")], partition: 0, thenConsumed: 4)
        try await feed([payment("p1-third", minute: 2, account: "a-0")], partition: 1, thenConsumed: 5)
        let snapshot = pipeline.status.snapshot
        pipeline.requestStop()
        try await running.value

        #expect(snapshot.deadLettersByReason.isEmpty, "\(snapshot.deadLettersByReason)")
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: 1)
        #expect(alerts.compactMap(ExpectedAlert.init(record:)) == [ExpectedAlert(rule: "account-velocity", event: "p1-third", key: "a-0")])
    }
}
