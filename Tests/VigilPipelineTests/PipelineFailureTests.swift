import Testing
import VigilKafka
import VigilPipeline
import VigilTesting

@Suite struct PipelineFailureTests {
    /// Five good payments at offsets 0–4, then 30 messages that are not JSON at 5–34.
    private static func goodThenBad() throws -> (fixture: PipelineFixture, count: Int) {
        let fixture = try PipelineFixture(inputPartitions: 1)
        let good = (0..<5).map { index in
            (key: Optional("c-\(index)"), value: TestEvent.json(id: "ok-\(index)", ts: Int64(index), amount: "1", ["card_id": "c-\(index)"]))
        }
        let bad = (0..<30).map { index in (key: Optional<String>.none, value: "garbage \(index)") }
        try fixture.produce(good + bad)
        return (fixture, good.count + bad.count)
    }

    @Test func floodOfBadInputStopsConsumingWithoutCommittingPastTheBadStretch() async throws {
        let (fixture, count) = try Self.goodThenBad()
        var configuration = fixture.configuration()
        configuration.badInput.maximumConsecutive = 10

        await #expect {
            _ = try await fixture.run(configuration, untilConsumed: count)
        } throws: { error in
            guard case .badInputLimit(let reason, let partition, let offset) = error as? PipelineError else { return false }
            // The tenth bad message in a row, and what was wrong with them, for whoever is paged.
            return partition == 0 && offset == 14 && reason.contains("the latest was dead-lettered as invalid_json: ")
        }

        let committed = try committedOffset(fixture, group: "vigil")
        #expect(committed >= 5, "the good messages before the stretch are committed")
        #expect(committed <= 14, "nothing past the tripping message is committed")
        let deadLetters = try TopicReader.read("payments.dead-letter", from: fixture.cluster, atLeast: 10)
        #expect(deadLetters.count == 10, "the stretch up to the trip is dead-lettered, not the whole topic")
    }

    /// A stretch of bad messages longer than a batch: the commits of the batches it spans must not
    /// move past its first message, or the guard's trip would leave most of it unread after the fix.
    @Test func badStretchOverManyBatchesIsNotCommittedPastItsStart() async throws {
        let (fixture, count) = try Self.goodThenBad()
        var configuration = fixture.configuration()
        configuration.badInput.maximumConsecutive = 10
        configuration.batchSize = 3
        configuration.commitInterval = .zero

        await #expect {
            _ = try await fixture.run(configuration, untilConsumed: count)
        } throws: { error in
            guard case .badInputLimit(_, _, let offset) = error as? PipelineError else { return false }
            return offset == 14
        }
        let committed = try committedOffset(fixture, group: "vigil")
        #expect(committed >= 1, "batches before the stretch are committed")
        #expect(committed <= 5, "nothing past the first bad message is committed")
    }

    /// Readiness follows the brokers: librdkafka reports every broker down through its error
    /// callback, and a broker that comes back is noticed even when no message arrives.
    @Test func aReplicaIsNotReadyWhileEveryBrokerIsDown() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        let pipeline = try Pipeline(configuration: fixture.configuration(), plan: fixture.plan, logger: .quiet)
        let running = Task { try await pipeline.run() }
        try await waitUntil { pipeline.status.snapshot.notReadyReason == nil }

        try fixture.cluster.setBroker(1, isUp: false)
        try await waitUntil { !pipeline.status.snapshot.isBrokerReachable }
        #expect(pipeline.status.snapshot.notReadyReason == "no broker reachable")
        // The session times out during the outage and the assignment is revoked as lost: that
        // rebalance event says nothing about the brokers.
        try await waitUntil { pipeline.status.snapshot.assignment.isEmpty }
        #expect(pipeline.status.snapshot.notReadyReason == "no broker reachable")
        try fixture.cluster.setBroker(1, isUp: true)
        try await waitUntil { pipeline.status.snapshot.isBrokerReachable }
        #expect(pipeline.status.snapshot.notReadyReason == nil, "ready again without any message arriving")

        pipeline.requestStop()
        try await running.value
    }

    /// Assigned partitions whose committed positions cannot be read would otherwise run as new,
    /// with empty windows and no replay: the pipeline stops instead, and its restart reads them.
    @Test func committedPositionsThatCannotBeReadStopThePipeline() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        try fixture.produce(Workload.first())
        // Every offset lookup at assignment fails (GROUP_AUTHORIZATION_FAILED, not retried).
        fixture.cluster.failNextRequests(apiKey: 9, with: Array(repeating: 30, count: 5))

        await #expect {
            _ = try await fixture.run(fixture.configuration(), untilConsumed: Workload.first().count)
        } throws: { error in
            guard case .committedPositionsUnknown(let partitions) = error as? PipelineError else { return false }
            return partitions.map(\.topic) == ["payments"]
        }
    }

    /// A send that fails for good would leave a gap in its partition, which a repartition
    /// partition's skip of counted offsets would make permanent: the producer's gapless guarantee
    /// stops the replica instead, and nothing is committed.
    @Test func undeliverableAlertsStopThePipelineAndLeaveTheirInputUncommitted() async throws {
        let fixture = try PipelineFixture(inputPartitions: 1)
        try fixture.produce(Workload.first())
        // Every Produce request from now on fails with a permanent error (MSG_SIZE_TOO_LARGE).
        fixture.cluster.failNextRequests(apiKey: 0, with: Array(repeating: 10, count: 200))
        let configuration = fixture.configuration()

        await #expect {
            _ = try await fixture.run(configuration, untilConsumed: Workload.first().count)
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.isFatal && error.description.contains("gap-less guarantee")
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
