import Testing
import VigilKafka
import VigilTesting

@Suite struct KeyPartitionerTests {
    /// Vigil writes repartitioned events to explicit partitions; each key must land where a keyed
    /// send lands, or a key's events would split between records written before and after.
    @Test func explicitPlacementMatchesLibrdkafkasKeyedSends() throws {
        let cluster = try MockCluster(brokers: 1, logger: .quiet)
        try cluster.createTopic("accounts", partitions: 6)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: .quiet)
        #expect(try producer.prepare(topics: ["accounts"]) == ["accounts": 6])
        // An empty key is left out: a keyed send places it at random, Vigil in partition 0.
        let keys = (0..<60).map { "account-\($0)" } + ["ü", String(repeating: "k", count: 300)]
        for key in keys {
            try producer.send(topic: "accounts", key: Array(key.utf8), value: Array(key.utf8))
        }
        #expect(try producer.flush().isEmpty)

        let records = try TopicReader.read("accounts", from: cluster, atLeast: keys.count)
        #expect(records.count == keys.count)
        var partitionsUsed: Set<Int32> = []
        for record in records {
            let expected = Array(record.value).withUnsafeBytes { KafkaProducer.partition(ofKey: $0, partitionCount: 6) }
            #expect(record.partition == expected, "key \(record.text)")
            partitionsUsed.insert(record.partition)
        }
        #expect(partitionsUsed.count == 6, "sixty keys spread over every partition")
    }
}
