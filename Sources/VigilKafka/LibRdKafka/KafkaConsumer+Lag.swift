import CRdKafka
import Synchronization

extension KafkaConsumer {
    /// librdkafka's latest statistics (set `statistics.interval.ms` to receive them).
    package var statistics: KafkaStatistics? { client.context.statistics.withLock { $0 } }

    /// The partition's end offset as last seen in a fetch response: no broker round trip.
    /// - Returns: nil until a fetch has reported it.
    package func cachedEndOffset(of partition: TopicPartition) -> Int64? {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_get_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }
}
