import CRdKafka
import Logging

extension KafkaConsumer {
    /// The oldest and the next offset the broker holds for a partition (a broker round trip).
    package func queryWatermarks(of partition: TopicPartition, timeout: Duration = .seconds(10)) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_query_watermark_offsets(
            client.handle, partition.topic, partition.partition, &low, &high, timeout.milliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.consume, response: result, context: "watermarks of \(partition)")
        }
        return (low, high)
    }
}

extension KafkaConsumer {
    /// The offset of the next message this consumer will hand out for a partition, as far as it
    /// knows locally; nil before the first fetch.
    package func position(of partition: TopicPartition) -> Int64? {
        let list = PartitionList.make([TopicPartitionOffset(partition, offset: -1001)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_position(client.handle, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return PartitionList.offsets(of: list).first.flatMap { $0.offset >= 0 ? $0.offset : nil }
    }
}

extension KafkaConsumer {
    /// Stops fetching these partitions; messages already fetched for them are dropped and fetching
    /// resumes after the last message handed out.
    package func pause(_ partitions: [TopicPartition]) {
        changeFetching(partitions, pause: true)
    }

    package func resume(_ partitions: [TopicPartition]) {
        changeFetching(partitions, pause: false)
    }

    private func changeFetching(_ partitions: [TopicPartition], pause: Bool) {
        guard !partitions.isEmpty else { return }
        let list = PartitionList.make(partitions.map { TopicPartitionOffset($0, offset: -1001) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = pause ? rd_kafka_pause_partitions(client.handle, list) : rd_kafka_resume_partitions(client.handle, list)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("\(pause ? "pause" : "resume") of \(partitions) failed: \(String(cString: rd_kafka_err2str(result)))")
        }
    }
}

extension KafkaConsumer {
    /// Moves an assigned partition's next fetch to `offset`; messages fetched before the move are
    /// not handed out. Waits up to `timeout` for the fetcher to take the new position.
    package func seek(_ position: TopicPartitionOffset, timeout: Duration = .seconds(10)) throws(KafkaError) {
        let list = PartitionList.make([position])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let failure = rd_kafka_seek_partitions(client.handle, list, timeout.milliseconds) {
            let code = rd_kafka_error_code(failure)
            rd_kafka_error_destroy(failure)
            throw KafkaError(.consume, response: code, context: "seek \(position)")
        }
        if let (_, result) = PartitionList.errors(of: list).first {
            throw KafkaError(.consume, response: result, context: "seek \(position)")
        }
    }
}
