import Testing
import VigilKafka
import VigilPipeline
import VigilTesting

@Suite struct PipelineFailureTests {
    @Test func floodOfBadInputStopsConsumingWithoutCommittingPastTheBadStretch() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        let good = (0..<5).map { index in
            (key: Optional("c-\(index)"), value: TestEvent.json(id: "ok-\(index)", ts: Int64(index), amount: "1", ["card_id": "c-\(index)"]))
        }
        let bad = (0..<30).map { index in (key: Optional<String>.none, value: "garbage \(index)") }
        try fixture.produce(good + bad)
        var configuration = fixture.configuration()
        configuration.badInput.maximumConsecutive = 10

        await #expect {
            _ = try await fixture.run(configuration, untilConsumed: good.count + bad.count)
        } throws: { error in
            guard case .badInputLimit(_, let partition, let offset) = error as? PipelineError else { return false }
            return partition == 0 && offset == 14  // the tenth bad message in a row
        }

        let committed = try committedOffset(fixture, group: "vigil")
        #expect(committed >= 5, "the good messages before the stretch are committed")
        #expect(committed <= 14, "nothing past the tripping message is committed")
        let deadLetters = try TopicReader.read("payments.dead-letter", from: fixture.cluster, atLeast: 10)
        #expect(deadLetters.count == 10, "the stretch up to the trip is dead-lettered, not the whole topic")
    }

    @Test func undeliverableAlertsLeaveTheirInputUncommitted() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        try fixture.produce(Workload.first())
        // Every Produce request from now on fails with a permanent error (MSG_SIZE_TOO_LARGE).
        fixture.cluster.failNextRequests(apiKey: 0, with: Array(repeating: 10, count: 200))
        var configuration = fixture.configuration()
        configuration.producer.deliveryTimeoutMilliseconds = 3000

        await #expect {
            _ = try await fixture.run(configuration, untilConsumed: Workload.first().count)
        } throws: { error in
            guard case .deliveryFailed(let failures) = error as? PipelineError else { return false }
            return failures.count == 6  // three alerts and three dead letters
        }
        #expect(try committedOffset(fixture, group: "vigil") < 0, "no offset is committed for unacknowledged alerts")
    }

    private func committedOffset(_ fixture: PipelineFixture, group: String) throws -> Int64 {
        let consumer = try KafkaConsumer(configuration: .test(fixture.cluster, group: group), logger: .quiet)
        defer { consumer.close(timeout: .seconds(5)) }
        let offsets = try consumer.committed([TopicPartition(topic: "payments", partition: 0)])
        return offsets.first?.offset ?? -1
    }
}
