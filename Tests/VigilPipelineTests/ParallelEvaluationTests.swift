import Testing
import VigilKafka
import VigilPipeline
import VigilTesting

/// A backlog over four partitions is evaluated by three threads; what it causes must be
/// exactly what one thread would send: every alert once, each card's alerts in its events' order,
/// and every bad message in the dead-letter topic.
@Suite struct ParallelEvaluationTests {
    @Test func partitionsEvaluatedTogetherSendWhatOneAtATimeWould() async throws {
        let fixture = try PipelineFixture(inputPartitions: 4)
        let cards = 24
        let paymentsPerCard = 8
        var messages: [(key: String?, value: String)] = []
        var expected: [String: [ExpectedAlert]] = [:]
        for round in 0..<paymentsPerCard {
            for card in 0..<cards {
                let id = "c\(card)-p\(round)"
                messages.append(("c-\(card)", TestEvent.json(id: id, ts: Int64(round) * 1000, amount: "5", ["card_id": "c-\(card)"])))
                // card-velocity: more than two payments on one card in five minutes.
                if round >= 2 { expected["c-\(card)", default: []].append(ExpectedAlert(rule: "card-velocity", event: id, key: "c-\(card)")) }
            }
            messages.append(("c-\(round)", "not json \(round)"))
        }
        try fixture.produce(messages)

        var configuration = fixture.configuration()
        configuration.evaluationThreads = 3
        let snapshot = try await fixture.run(configuration, untilConsumed: messages.count)

        let expectedCount = cards * (paymentsPerCard - 2)
        let alerts = try TopicReader.read("alerts", from: fixture.cluster, atLeast: expectedCount)
        #expect(alerts.count == expectedCount, "each alert once")
        var byCard: [String: [ExpectedAlert]] = [:]
        for record in alerts.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            guard let alert = ExpectedAlert(record: record) else { continue }
            byCard[alert.key, default: []].append(alert)
        }
        #expect(byCard == expected, "every card's alerts, in the order of its payments")
        #expect(snapshot.deadLettersByReason == ["invalid_json": paymentsPerCard])
        #expect(snapshot.eventsConsumed == messages.count)
        #expect(snapshot.committed.values.reduce(0, +) == Int64(messages.count), "every offset committed at shutdown")
    }
}

extension ParallelEvaluationTests {
    /// The bad-input guard counts messages in the batch's order even when partitions are evaluated
    /// together: it trips at the same message, and nothing past it is sent or committed.
    @Test func theBadInputGuardTripsWhereOneThreadWouldStop() async throws {
        let fixture = try PipelineFixture(inputPartitions: 3)
        func good(_ index: Int) -> (key: String?, value: String) {
            ("c-\(index)", TestEvent.json(id: "ok-\(index)", ts: Int64(index), amount: "1", ["card_id": "c-\(index)"]))
        }
        let messages = (0..<20).map(good) + (20..<25).map(good) + (0..<30).map { (nil, "garbage \($0)") } + (25..<45).map(good)
        let partitions = [Int32](repeating: 0, count: 20) + [Int32](repeating: 1, count: 35) + [Int32](repeating: 2, count: 20)
        try fixture.produce(messages, partitions: partitions)
        var configuration = fixture.configuration()
        configuration.evaluationThreads = 3
        configuration.badInput.maximumConsecutive = 10

        await #expect {
            _ = try await fixture.run(configuration, untilConsumed: messages.count)
        } throws: { error in
            guard case .badInputLimit(_, let partition, let offset) = error as? PipelineError else { return false }
            return partition == 1 && offset == 14  // five good messages, then the tenth bad one in a row
        }
        let deadLetters = try TopicReader.read("payments.dead-letter", from: fixture.cluster, atLeast: 10)
        #expect(deadLetters.count == 10, "the stretch up to the trip is dead-lettered, nothing after it")
        let consumer = try KafkaConsumer(configuration: .test(fixture.cluster, group: "vigil"), logger: .quiet)
        defer { consumer.close(timeout: .seconds(5)) }
        let committed = try consumer.committed([TopicPartition(topic: "payments", partition: 1)]).first?.offset ?? -1
        #expect((5...14).contains(committed), "partition 1 is committed up to the bad stretch at most: \(committed)")
    }
}
