import CRdKafka

extension TopicPartitionOffset {
    /// The oldest message still in the partition, as a position to start reading from.
    package static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    /// The next message to be written, as a position to start reading from.
    package static let end = Int64(RD_KAFKA_OFFSET_END)
}
