import CRdKafka

/// Kafka transactions: a batch's outputs and its input offsets become visible together or not at all.
///
/// Needs `transactional.id` (`ProducerConfiguration.transactionalID`). A newer producer with the
/// same id fences an older one, and the offsets are committed through the consumer's group
/// metadata (KIP-447), so a zombie replica can neither publish nor commit.
/// librdkafka 2.0.2's mock cluster accepts these calls without honouring them (aborted messages
/// stay visible, offsets sent with a transaction are not stored, zombies are not fenced).
extension KafkaProducer {
    package func initTransactions(timeout: Duration = .seconds(30)) throws(KafkaError) {
        if let error = rd_kafka_init_transactions(client.handle, timeout.milliseconds) {
            throw KafkaError(.transaction, consuming: error, context: "init transactions")
        }
    }

    package func beginTransaction() throws(KafkaError) {
        if let error = rd_kafka_begin_transaction(client.handle) {
            throw KafkaError(.transaction, consuming: error, context: "begin transaction")
        }
    }

    /// Adds the consumer's positions (with their metadata) to the open transaction.
    package func sendOffsets(
        _ offsets: [TopicPartitionOffset], of consumer: KafkaConsumer, timeout: Duration = .seconds(30)
    ) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        guard let groupMetadata = rd_kafka_consumer_group_metadata(consumer.client.handle) else {
            throw KafkaError(.transaction, message: "the consumer has no group metadata")
        }
        defer { rd_kafka_consumer_group_metadata_destroy(groupMetadata) }
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_send_offsets_to_transaction(client.handle, list, groupMetadata, timeout.milliseconds) {
            throw KafkaError(.transaction, consuming: error, context: "send offsets to transaction")
        }
    }

    package func commitTransaction(timeout: Duration = .seconds(30)) throws(KafkaError) {
        if let error = rd_kafka_commit_transaction(client.handle, timeout.milliseconds) {
            throw KafkaError(.transaction, consuming: error, context: "commit transaction")
        }
    }

    package func abortTransaction(timeout: Duration = .seconds(30)) throws(KafkaError) {
        if let error = rd_kafka_abort_transaction(client.handle, timeout.milliseconds) {
            throw KafkaError(.transaction, consuming: error, context: "abort transaction")
        }
    }
}
