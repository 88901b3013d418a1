package import VigilKafka

/// A message read back from a topic, copied out of librdkafka's buffers.
package struct ReadRecord: Sendable {
    package let partition: Int32
    package let offset: Int64
    package let key: String?
    package let value: [UInt8]
    package let headers: [String: String]

    package var text: String { String(decoding: value, as: UTF8.self) }
}

/// Reads whole topics back from a cluster, the way a downstream consumer would.
package enum TopicReader {
    /// Reads `topic` from the beginning until `count` records arrived and every partition was read
    /// up to its end as of the call, then keeps reading until the topic has been quiet for
    /// `quietPeriod`, so extra (duplicate) records are seen too.
    ///
    /// The ends matter on a busy machine: a partition whose first fetch comes late would otherwise
    /// look like a quiet topic, and the records read so far like all of them.
    /// - Parameter headerNames: the headers to copy out of each record.
    package static func read(
        _ topic: String,
        from cluster: MockCluster,
        atLeast count: Int,
        headerNames: [String] = [],
        timeout: Duration = .seconds(60),
        quietPeriod: Duration = .milliseconds(750)
    ) throws -> [ReadRecord] {
        let consumer = try KafkaConsumer(configuration: .test(cluster, group: "reader-\(topic)-\(UInt32.random(in: 0...UInt32.max))"), logger: .quiet)
        defer { consumer.close(timeout: .seconds(5)) }
        let ends = endOffsets(of: topic, consumer: consumer)
        try consumer.subscribe(topics: [topic])
        var records: [ReadRecord] = []
        let deadline = ContinuousClock.now + timeout
        var lastArrival = ContinuousClock.now
        while ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
            if !batch.isEmpty { lastArrival = .now }
            for index in 0..<batch.count { records.append(record(batch[index], headerNames: headerNames)) }
            guard records.count >= count, ContinuousClock.now - lastArrival >= quietPeriod else { continue }
            if ends.allSatisfy({ (consumer.position(of: $0.key) ?? 0) >= $0.value }) { break }
        }
        return records
    }

    /// Each non-empty partition's end offset now; none when the topic does not exist yet.
    private static func endOffsets(of topic: String, consumer: KafkaConsumer) -> [TopicPartition: Int64] {
        guard let partitions = try? consumer.partitions(of: topic) else { return [:] }
        var ends: [TopicPartition: Int64] = [:]
        for partition in partitions {
            if let (low, high) = try? consumer.queryWatermarks(of: partition), high > low { ends[partition] = high }
        }
        return ends
    }

    private static func record(_ message: KafkaMessage, headerNames: [String]) -> ReadRecord {
        var headers: [String: String] = [:]
        for name in headerNames {
            if let value = message.header(name) { headers[name] = String(decoding: value, as: UTF8.self) }
        }
        return ReadRecord(
            partition: message.partition,
            offset: message.offset,
            key: message.key.map { String(decoding: $0, as: UTF8.self) },
            value: Array(message.value),
            headers: headers
        )
    }
}
