import CRdKafka
import Glibc

/// Conversions between librdkafka's partition lists and Swift values.
enum PartitionList {
    static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        elements(of: list).map { TopicPartition(topic: String(cString: $0.topic), partition: $0.partition) }
    }

    static func offsets(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartitionOffset] {
        elements(of: list).map { element in
            let metadata = element.metadata.flatMap { bytes -> String? in
                guard element.metadata_size > 0 else { return nil }
                return String(decoding: UnsafeRawBufferPointer(start: bytes, count: element.metadata_size), as: UTF8.self)
            }
            return TopicPartitionOffset(
                TopicPartition(topic: String(cString: element.topic), partition: element.partition),
                offset: element.offset, metadata: metadata)
        }
    }

    /// A new list the caller must destroy with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ offsets: [TopicPartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for entry in offsets {
            let element = rd_kafka_topic_partition_list_add(list, entry.topicPartition.topic, entry.topicPartition.partition)
            element?.pointee.offset = entry.offset
            // librdkafka frees the metadata with the list, so it gets its own malloc'd copy.
            if let element, let metadata = entry.metadata, let copy = strdup(metadata) {
                element.pointee.metadata = UnsafeMutableRawPointer(copy)
                element.pointee.metadata_size = strlen(copy)
            }
        }
        return list
    }

    /// The per-partition errors in a list, as librdkafka reports failed commits and lookups.
    static func errors(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [(partition: TopicPartition, error: rd_kafka_resp_err_t)] {
        elements(of: list).filter { $0.err != RD_KAFKA_RESP_ERR_NO_ERROR }.map { element in
            (TopicPartition(topic: String(cString: element.topic), partition: element.partition), element.err)
        }
    }

    private static func elements(
        of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) -> UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
    }
}
