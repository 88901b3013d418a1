import Glibc
import Logging
import Testing
import VigilKafka
import VigilTesting

/// The producer's acknowledgement of its sends by epoch, which lets the pipeline commit offsets
/// without stopping to flush.
@Suite struct DeliveryEpochTests {
    @Test func anEpochIsAcknowledgedOnceItsSendsAndTheEarlierOnesAreDelivered() throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("alerts", partitions: 2)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        try producer.prepare(topics: ["alerts"])
        // Responses take 300 ms, so the sends are surely still in flight when first asked about.
        try cluster.setRoundTripTime(ofBroker: 1, milliseconds: 300)
        for index in 0..<3 { try producer.send(topic: "alerts", key: Array("card-\(index)".utf8), value: Array("alert-\(index)".utf8)) }
        let first = producer.closeDeliveryEpoch()
        #expect(try producer.acknowledgement(through: first) == nil, "nothing is acknowledged before the broker answers")

        let firstAcknowledged = try waitForAcknowledgement(of: first, from: producer)
        #expect(firstAcknowledged?.isEmpty == true, "all three sends are delivered")

        try producer.send(topic: "alerts", key: nil, value: Array("alert-3".utf8))
        let second = producer.closeDeliveryEpoch()
        #expect(try producer.acknowledgement(through: first)?.isEmpty == true, "a later send does not hold back an earlier epoch")
        #expect(try producer.acknowledgement(through: second) == nil, "the later epoch waits for its own send")
        #expect(try waitForAcknowledgement(of: second, from: producer)?.isEmpty == true)
    }

    @Test func aFailedSendIsReportedWithoutWaitingForTheRestOfItsEpoch() throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("alerts", partitions: 1)
        var configuration = ProducerConfiguration.test(cluster)
        configuration.deliveryTimeoutMilliseconds = 2000
        let producer = try KafkaProducer(configuration: configuration, logger: .quiet)
        try producer.prepare(topics: ["alerts"])
        // Every Produce request fails with a permanent error (MSG_SIZE_TOO_LARGE).
        cluster.failNextRequests(apiKey: 0, with: Array(repeating: 10, count: 100))
        try producer.send(topic: "alerts", key: nil, value: Array("alert".utf8))
        let epoch = producer.closeDeliveryEpoch()
        let failures = try waitForAcknowledgement(of: epoch, from: producer)
        #expect(failures?.count == 1)
        #expect(failures?.first?.topic == "alerts")
    }

    /// Asks until the epoch is settled, for at most 10 s; nil if it never was.
    private func waitForAcknowledgement(of epoch: DeliveryEpoch, from producer: KafkaProducer) throws -> [DeliveryFailure]? {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let failures = try producer.acknowledgement(through: epoch) { return failures }
            usleep(5_000)
        }
        return nil
    }
}
