import Logging
import VigilKafka
import VigilTraffic

/// Measures how many events the mock broker keeps per partition, instead of trusting an estimate.
///
/// The mock keeps about 5 MB per partition and prunes older messages silently; how many events
/// that is depends on their size and batching. The probe writes three times that much, then reads
/// where each partition now begins: everything before it was pruned.
struct RetentionProbe {
    let cluster: LoopbackCluster
    let workload: TrafficBatch
    let logger: Logger

    /// - Returns: the fewest events any partition retained, times the partition count.
    func retainedEvents() throws -> Int {
        let topics = try cluster.makeTopics("retention")
        let meanBytes = workload.bytes.count / max(workload.count, 1)
        let perPartition = 3 * 5 * 1024 * 1024 / max(meanBytes, 1)
        let producer = try KafkaProducer(configuration: KafkaSettings.throughput.producer(cluster), logger: logger)
        try producer.prepare(topics: [topics.input])
        try workload.bytes.withUnsafeBytes { bytes in
            for index in 0..<(perPartition * cluster.partitions) {
                let message = UnsafeRawBufferPointer(rebasing: bytes[workload.range(of: index % workload.count)])
                try producer.send(topic: topics.input, partition: Int32(index % cluster.partitions), key: nil, value: message)
                if index % 1000 == 0 { producer.poll() }
            }
        }
        guard try producer.flush(timeout: .seconds(60)).isEmpty else { throw RetentionProbeFailure.undelivered }
        let firsts = try firstOffsets(of: topics.input)
        return (firsts.map { perPartition - Int($0) }.min() ?? 0) * cluster.partitions
    }

    /// The offset of the oldest message each partition still holds.
    private func firstOffsets(of topic: String) throws -> [Int64] {
        let consumer = try KafkaConsumer(configuration: KafkaSettings.latency.consumer(cluster, group: "retention"), logger: logger)
        defer { consumer.close(timeout: .seconds(5)) }
        try consumer.assign((0..<cluster.partitions).map {
            TopicPartitionOffset(TopicPartition(topic: topic, partition: Int32($0)), offset: TopicPartitionOffset.beginning)
        })
        var firsts: [Int32: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while firsts.count < cluster.partitions, ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
            for index in 0..<batch.count where firsts[batch[index].partition] == nil {
                firsts[batch[index].partition] = batch[index].offset
            }
        }
        guard firsts.count == cluster.partitions else { throw RetentionProbeFailure.unread }
        return Array(firsts.values)
    }
}

enum RetentionProbeFailure: Error, CustomStringConvertible {
    case undelivered
    case unread

    var description: String {
        switch self {
        case .undelivered: "the retention probe's events were not all delivered"
        case .unread: "the retention probe could not read every partition back"
        }
    }
}
