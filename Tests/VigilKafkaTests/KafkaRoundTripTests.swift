import Glibc
import Logging
import Testing
import VigilKafka
import VigilTesting

@Suite struct KafkaRoundTripTests {
    @Test func producedMessagesAreConsumedWithKeysHeadersAndOffsets() throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments", partitions: 2)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        try producer.prepare(topics: ["payments"])
        for index in 0..<10 {
            try producer.send(
                topic: "payments", key: Array("card-\(index % 3)".utf8), value: Array("event-\(index)".utf8),
                headers: [(name: "origin", value: Array("test".utf8))]
            )
        }
        #expect(try producer.flush().isEmpty)

        let consumer = try KafkaConsumer(configuration: .test(cluster, group: "round-trip"), logger: .quiet)
        try consumer.subscribe(topics: ["payments"])
        var values: [String] = []
        var assigned: Set<TopicPartition> = []
        var nextOffsets: [TopicPartition: Int64] = [:]
        try pollUntil(consumer, deadlineSeconds: 30) { batch in
            for event in batch.rebalances { if case .assigned(let partitions) = event { assigned.formUnion(partitions.map(\.partition)) } }
            for index in 0..<batch.count {
                let message = batch[index]
                values.append(String(decoding: message.value, as: UTF8.self))
                #expect(message.header("origin") == Array("test".utf8))
                #expect(message.key.map { String(decoding: $0, as: UTF8.self).hasPrefix("card-") } == true)
                nextOffsets[message.topicPartition] = message.offset + 1
            }
            return values.count == 10
        }
        #expect(Set(values) == Set((0..<10).map { "event-\($0)" }))
        #expect(assigned == [TopicPartition(topic: "payments", partition: 0), TopicPartition(topic: "payments", partition: 1)])

        let positions = nextOffsets.map { TopicPartitionOffset($0.key, offset: $0.value, metadata: "replay-from=\($0.value - 1)") }
        try consumer.commit(positions)
        let committed = try consumer.committed(Array(nextOffsets.keys))
        #expect(Set(committed) == Set(positions), "offsets and their metadata come back as committed")

        let first = TopicPartition(topic: "payments", partition: 0)
        let watermarks = try consumer.queryWatermarks(of: first)
        #expect(watermarks.low == 0 && watermarks.high == nextOffsets[first])
        #expect(consumer.close(timeout: .seconds(10)))
    }

    @Test func equalKeysLandOnOnePartitionInOrder() throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("alerts", partitions: 4)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        for index in 0..<20 {
            try producer.send(topic: "alerts", key: Array("card-7".utf8), value: Array(String(index).utf8))
        }
        #expect(try producer.flush().isEmpty)
        let consumer = try KafkaConsumer(configuration: .test(cluster, group: "order"), logger: .quiet)
        try consumer.subscribe(topics: ["alerts"])
        var seen: [(partition: Int32, value: Int)] = []
        try pollUntil(consumer, deadlineSeconds: 30) { batch in
            for index in 0..<batch.count {
                seen.append((batch[index].partition, Int(String(decoding: batch[index].value, as: UTF8.self)) ?? -1))
            }
            return seen.count == 20
        }
        #expect(Set(seen.map(\.partition)).count == 1)
        #expect(seen.map(\.value) == Array(0..<20))
        consumer.close(timeout: .seconds(10))
    }

    @Test func statisticsReportBrokerRoundTripsAndQueues() throws {
        let cluster = try MockCluster(brokers: 2, logger: .quiet)
        try cluster.createTopic("payments", partitions: 2)
        var configuration = ProducerConfiguration.test(cluster)
        configuration.kafka.statisticsIntervalMilliseconds = 100
        let producer = try KafkaProducer(configuration: configuration, logger: .quiet)
        try producer.send(topic: "payments", key: nil, value: Array("x".utf8))
        #expect(try producer.flush().isEmpty)
        // Statistics are served by polls; wait for a report that has seen both brokers.
        let deadline = ContinuousClock.now + .seconds(20)
        while producer.statistics?.brokers.count != 2, ContinuousClock.now < deadline {
            producer.poll()
            usleep(10_000)
        }
        let statistics = try #require(producer.statistics)
        #expect(statistics.brokers.count == 2, "one entry per mock broker: \(statistics.brokers)")
        #expect(statistics.brokers.allSatisfy { $0.averageRoundTripSeconds >= 0 && $0.outstandingRequests >= 0 })
    }

    @Test func statisticsParseTheFiguresThatMatter() throws {
        let json = """
            {"name":"vigil#producer-1","msg_cnt":12,"brokers":{
              "127.0.0.1:9092/1":{"nodeid":1,"outbuf_cnt":2,"waitresp_cnt":3,"rtt":{"avg":1500,"p99":4000}},
              "GroupCoordinator":{"nodeid":-1,"outbuf_cnt":0,"waitresp_cnt":0,"rtt":{"avg":0}}}}
            """
        let statistics = try #require(KafkaStatistics(json: json))
        #expect(statistics.queuedMessages == 12)
        #expect(statistics.brokers.map(\.name) == ["127.0.0.1:9092/1"])
        #expect(statistics.brokers.first?.averageRoundTripSeconds == 0.0015)
        #expect(statistics.brokers.first?.outstandingRequests == 5)
        #expect(KafkaStatistics(json: "not json") == nil)
    }

    @Test func invalidPropertyIsReportedWithItsName() {
        var configuration = ProducerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))
        configuration.kafka.properties["no.such.property"] = "1"
        #expect {
            try KafkaProducer(configuration: configuration, logger: .quiet)
        } throws: { error in
            (error as? KafkaError)?.message.contains("no.such.property") == true
        }
    }

    @Test(arguments: [
        ("security.protocol=SASL_SSL", "security.protocol", "SASL_SSL"),
        ("sasl.jaas.config = a=b", "sasl.jaas.config", "a=b"),
    ])
    func propertyPairsSplitAtTheFirstEquals(text: String, key: String, value: String) throws {
        let pair = try KafkaProperties.parsePair(text)
        #expect(pair.key == key)
        #expect(pair.value == value)
    }

    @Test func propertiesFileSkipsCommentsAndNamesBadLines() throws {
        let parsed = try KafkaProperties.parseFile("# TLS\nsecurity.protocol=SSL\n\n! old\nssl.ca.location=/ca.pem\n", name: "client.properties")
        #expect(parsed == ["security.protocol": "SSL", "ssl.ca.location": "/ca.pem"])
        #expect {
            try KafkaProperties.parseFile("ok=1\nbroken\n", name: "client.properties")
        } throws: { error in
            (error as? KafkaError)?.message == "client.properties:2: expected key=value, got 'broken'"
        }
    }

    /// A start-position policy reads the commit's metadata at assignment, and the first fetch
    /// already starts where it says: no message from the committed offset comes first.
    @Test func assignedPartitionsStartWhereThePolicySays() throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments", partitions: 1)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        for index in 0..<10 { try producer.send(topic: "payments", key: nil, value: Array("event-\(index)".utf8)) }
        #expect(try producer.flush().isEmpty)
        let partition = TopicPartition(topic: "payments", partition: 0)
        let first = try KafkaConsumer(configuration: .test(cluster, group: "starts"), logger: .quiet)
        try first.commit([TopicPartitionOffset(partition, offset: 8, metadata: "from=3")])
        first.close(timeout: .seconds(5))

        let consumer = try KafkaConsumer(configuration: .test(cluster, group: "starts"), logger: .quiet)
        consumer.startPositions { committed in committed.metadata.flatMap { Int64($0.dropFirst("from=".count)) } }
        try consumer.subscribe(topics: ["payments"])
        var assigned: [AssignedPartition] = []
        var offsets: [Int64] = []
        try pollUntil(consumer, deadlineSeconds: 30) { batch in
            for event in batch.rebalances { if case .assigned(let partitions) = event { assigned += partitions } }
            for index in 0..<batch.count { offsets.append(batch[index].offset) }
            return offsets.count >= 7
        }
        #expect(assigned == [AssignedPartition(partition: partition, committed: TopicPartitionOffset(partition, offset: 8, metadata: "from=3"), start: 3)])
        #expect(offsets == Array(3..<10))
        #expect(consumer.close(timeout: .seconds(10)))
    }

    /// A member that was never assigned anything leaves by session timeout (see `close`): close says
    /// so, so that its owner does not log that it left. A consumer that never joined has nothing to leave.
    @Test func closeTellsWhetherTheGroupWasLeftAtOnce() throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("payments", partitions: 1)
        let member = try KafkaConsumer(configuration: .test(cluster, group: "never-assigned"), logger: .quiet)
        // Rebalances are served by poll: without one the member cannot have been assigned anything.
        try member.subscribe(topics: ["payments"])
        #expect(member.close(timeout: .seconds(5)) == false)
        let bystander = try KafkaConsumer(configuration: .test(cluster, group: "never-joined"), logger: .quiet)
        #expect(bystander.close(timeout: .seconds(5)))
    }

    private func pollUntil(_ consumer: KafkaConsumer, deadlineSeconds: Int, _ body: (KafkaMessageBatch) -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(deadlineSeconds)
        while ContinuousClock.now < deadline {
            if body(try consumer.poll(maxMessages: 100, timeout: .milliseconds(200))) { return }
        }
        Issue.record("deadline passed before the expected messages arrived")
    }
}
