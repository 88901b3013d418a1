import CRdKafka
package import Logging

/// librdkafka's mock cluster: real Kafka-protocol brokers on loopback TCP ports, inside this process.
///
/// Any Kafka client, in this process or another, can connect to `bootstrapServers` while the
/// cluster lives. It supports consumer groups, offset commits and error injection, but not the
/// admin API's CreateTopics: create topics with `createTopic`. Partitions keep only about 5 MB,
/// silently dropping older messages, so long runs must consume while they produce.
package final class MockCluster: Sendable {
    /// Keeps the mock cluster's own client alive; it owns the cluster's threads.
    private let client: SendablePointer
    private let cluster: SendablePointer
    package let bootstrapServers: String

    package init(brokers: Int = 1, logger: Logger) throws(KafkaError) {
        // The mock's brokers take their socket options from this handle's configuration. Kafka
        // brokers send with TCP_NODELAY; without it the mock holds the second of two back-to-back
        // responses until the client's delayed acknowledgement, and every flush waited 40 ms.
        let conf = try makeRdKafkaConf(["client.id": "vigil-mock-cluster", "log_level": "3", "socket.nagle.disable": "true"])
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.mockCluster, message: String(errorBuffer: errorText))
        }
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers)) else {
            rd_kafka_destroy(handle)
            throw KafkaError(.mockCluster, message: "could not start a mock cluster with \(brokers) brokers")
        }
        self.client = SendablePointer(pointer: handle)
        self.cluster = SendablePointer(pointer: cluster)
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        logger.info("mock Kafka cluster listening", metadata: ["bootstrap": "\(bootstrapServers)", "brokers": "\(brokers)"])
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster.pointer)
        rd_kafka_destroy(client.pointer)
    }

    package func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let result = rd_kafka_mock_topic_create(cluster.pointer, name, Int32(partitions), Int32(replicationFactor))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.mockCluster, response: result, context: "create topic \(name)")
        }
    }

    /// Makes the next `errors.count` requests of this Kafka API (e.g. 0 Produce, 8 OffsetCommit)
    /// fail with these librdkafka error codes, in order.
    package func failNextRequests(apiKey: Int16, with errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster.pointer, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    /// Takes a broker down (its connections close) or brings it back.
    package func setBroker(_ id: Int32, isUp: Bool) throws(KafkaError) {
        let result = isUp ? rd_kafka_mock_broker_set_up(cluster.pointer, id) : rd_kafka_mock_broker_set_down(cluster.pointer, id)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.mockCluster, response: result, context: "set broker \(id) \(isUp ? "up" : "down")")
        }
    }
}
