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
